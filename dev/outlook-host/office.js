/*
 * Office.js stand-in for the end-to-end tests. It defines the `Office` global the way Outlook's
 * Office.js does for the parts the add-in uses, plus `window.nestedAppAuthBridge` speaking the bridge
 * protocol of @azure/msal-browser's nested app auth (BridgeProxy: GetInitContext, GetToken,
 * GetTokenPopup), answering with real tokens that the host server gets from the adapter's local issuer.
 *
 * Switches for the documented host variants (defaults: nested app auth, one account):
 * - `naa: false` — a host without nested app authentication: no NestedAppAuth requirement set and no
 *   bridge, so MSAL falls back to a standard application (Microsoft Learn: "Enable SSO in an Office
 *   Add-in using nested app authentication": requirement set NestedAppAuth 1.1; older Outlook builds).
 * - `otherAccount: {email, name, oid, tenantId}` — a second Microsoft 365 account in the same Outlook,
 *   the host's last active one: the bridge's init context points at it and a token request for its
 *   homeAccountId gets its token; `Office.auth.getAuthContext()` still says the mailbox's user
 *   (Microsoft Learn: "Office.auth.getAuthContext", IdentityAPI 1.3; the NAA sample picks the account by it).
 * - `dialog: true` — a working Office dialog (off by default: `displayDialogAsync` then fails with 12007,
 *   which the NAA scenarios rely on never reaching). As Office on the web does, the dialog is a separate
 *   browser window (window.open) whose first page must be on the pane's own domain; the dialog page
 *   loads this file too and gets `Office.context.ui.messageParent`. See "The dialog" below.
 * - `dialogStorage: 'own'` (with `dialog: true`) — the dialog has storage of its own: its localStorage
 *   is not the pane's, as in Office on the web under Chromium's storage partitioning, Safari, and
 *   other hosts (Microsoft Learn: "Alternative ways of passing messages to a dialog box from its host
 *   page", https://learn.microsoft.com/office/dev/add-ins/develop/parent-to-dialog). Chromium's own
 *   partitioning is switched off under Playwright, so the stand-in gives the dialog window a private
 *   localStorage (kept in that window's sessionStorage, so it survives the dialog's redirects).
 *
 * - `shared: {owner, targetMailbox, delegatePermissions}` — the open mail is in a shared mailbox or a
 *   delegated folder: `item.getSharedPropertiesAsync` answers these (Microsoft Learn: "Implement shared
 *   folders and shared mailbox scenarios in an Outlook add-in", Mailbox 1.8 for shared folders and 1.13
 *   for shared mailboxes; "Office.SharedProperties"; "SupportsSharedFolders element": Outlook offers the
 *   add-in in shared folders and mailboxes only when the manifest sets it, which the manifest tests pin). Without it
 *   the call fails, as Microsoft's sample expects for a folder that is not shared ("The current folder
 *   or mailbox isn't shared."). `sharedAsAccount: true` — the shared mailbox added to Outlook as an
 *   account of its own (`user` is then the shared mailbox): the call fails there too ("Do not sign
 *   into the shared mailbox with a password. The feature APIs won't work in that case.", same page).
 * - `platform: 'iOS' | 'Android'` — Outlook on a phone: diagnostics say so, Mailbox 1.5 only (Microsoft
 *   Learn: "Outlook JavaScript API requirement sets", mobile clients; "Add support for add-in commands
 *   in Outlook on mobile devices", MobileFormFactor): no multi-select (getSelectedItemsAsync and
 *   SelectedItemsChanged are Mailbox 1.13), no getSharedPropertiesAsync (Mailbox 1.8); one open mail.
 *
 * The scenario (theme, selection, user, token failures, runtime config) comes from the host page
 * (`window.parent.__host`), falling back to the `scenario` query string, so the pane can also be
 * opened on its own. Loaded before the pane's bundle, so `__REZI_CONFIG__` is set before it runs.
 */
(function () {
  'use strict';

  // A dialog window this stand-in opened: its name says so (window.name outlives the dialog's redirects).
  var DIALOG_NAME = 'office-standin-dialog|';
  var dialogName = String(window.name || '').indexOf(DIALOG_NAME) === 0 ? String(window.name).split('|') : null;
  var isDialog = Boolean(dialogName);

  function readScenario() {
    try {
      if (window.parent && window.parent !== window && window.parent.__host) return window.parent.__host;
    } catch (e) {
      /* cross-origin parent: fall through */
    }
    try {
      // The dialog reads the scenario of the pane that opened it.
      if (isDialog && window.opener && window.opener.__officeStandin) return window.opener.__officeStandin.scenario;
    } catch (e) {
      /* cross-origin opener: fall through */
    }
    try {
      var q = new URLSearchParams(window.location.search).get('scenario');
      if (q) return JSON.parse(q);
    } catch (e) {
      /* ignore */
    }
    return {};
  }

  var scenario = readScenario();
  var user = scenario.user || { email: 'olivia.bennett@harbourestates.co.uk', name: 'Olivia Bennett' };
  var tenantId = scenario.tenantId || '7c1f4a2e-3b5d-4e6f-9a8b-0c1d2e3f4a5b';
  var oid = scenario.oid || '00000000-0000-0000-0000-0000000000a1';
  var dark = scenario.theme === 'dark';
  var selected = (scenario.selected || []).slice();
  var log = (window.__officeStandinLog = []);

  if (scenario.config) window.__REZI_CONFIG__ = scenario.config;

  function note(kind, detail) {
    log.push({ at: Date.now(), kind: kind, detail: detail });
    try {
      if (window.parent && window.parent.__hostEvents) window.parent.__hostEvents.push({ at: Date.now(), kind: kind, detail: detail });
    } catch (e) {
      /* ignore */
    }
  }

  var AsyncResultStatus = { Succeeded: 'succeeded', Failed: 'failed' };
  var EventType = {
    SelectedItemsChanged: 'olkSelectedItemsChanged',
    ItemChanged: 'olkItemSelectedChanged',
    OfficeThemeChanged: 'officeThemeChanged',
    DialogMessageReceived: 'dialogMessageReceived',
    DialogEventReceived: 'dialogEventReceived',
  };

  function asyncResult(value, asyncContext, error) {
    return {
      status: error ? AsyncResultStatus.Failed : AsyncResultStatus.Succeeded,
      value: error ? undefined : value,
      error: error || null,
      asyncContext: asyncContext,
      diagnostics: null,
    };
  }

  /** Office's optional-options, optional-callback argument convention. */
  function splitArgs(args) {
    var options = {};
    var callback;
    for (var i = 0; i < args.length; i++) {
      if (typeof args[i] === 'function') callback = args[i];
      else if (args[i] && typeof args[i] === 'object') options = args[i];
    }
    return { options: options, callback: callback };
  }

  function later(fn) {
    setTimeout(fn, 0);
  }

  var handlers = {};

  var phone = scenario.platform === 'iOS' || scenario.platform === 'Android';
  var platform = phone ? scenario.platform : 'OfficeOnline';

  /** item.getSharedPropertiesAsync (Mailbox 1.8): the shared scenario's properties, else a failure. */
  function getSharedPropertiesAsync() {
    var a = splitArgs(arguments);
    var shared = scenario.sharedAsAccount ? null : scenario.shared;
    note('getSharedPropertiesAsync', { shared: Boolean(shared) });
    later(function () {
      if (!a.callback) return;
      if (!shared)
        a.callback(
          asyncResult(undefined, a.options.asyncContext, { name: 'GenericResponseError', message: 'The current folder or mailbox isn’t shared.', code: 9060 }),
        );
      else
        a.callback(
          asyncResult(
            {
              owner: shared.owner,
              targetMailbox: shared.targetMailbox,
              targetRestUrl: 'https://outlook.office.com/api',
              delegatePermissions: shared.delegatePermissions === undefined ? 63 : shared.delegatePermissions,
            },
            a.options.asyncContext,
          ),
        );
    });
  }

  function itemFor(s) {
    var item = {
      itemId: s.itemId,
      subject: s.subject,
      itemType: 'message',
      itemClass: 'IPM.Note',
      conversationId: s.conversationId || 'conv-' + s.itemId,
      internetMessageId: s.internetMessageId,
      from: s.from,
    };
    if (!phone) item.getSharedPropertiesAsync = getSharedPropertiesAsync;
    return item;
  }

  var mailbox = {
    get item() {
      return selected.length > 0 ? itemFor(selected[0]) : null;
    },
    userProfile: { emailAddress: user.email, displayName: user.name, timeZone: 'GMT Standard Time', accountType: 'enterprise' },
    diagnostics: phone
      ? { hostName: scenario.platform === 'iOS' ? 'OutlookIOS' : 'OutlookAndroid', hostVersion: '4.2450.0' }
      : { hostName: 'OutlookWebApp', hostVersion: '16.0.18000.10000', OWAView: 'ThreeColumns' },
    restUrl: 'https://outlook.office.com/api',
    ewsUrl: 'https://outlook.office365.com/EWS/Exchange.asmx',
    convertToRestId: function (id, version) {
      note('convertToRestId', { id: id, version: version });
      return String(id).replace(/\//g, '-').replace(/\+/g, '_');
    },
    convertToEwsId: function (id) {
      return String(id).replace(/-/g, '/').replace(/_/g, '+');
    },
    getSelectedItemsAsync: function () {
      var a = splitArgs(arguments);
      note('getSelectedItemsAsync', { count: selected.length });
      var value = selected.map(function (s) {
        return { itemId: s.itemId, subject: s.subject, itemType: 'message', itemMode: 'Read', hasAttachment: false, conversationId: 'conv-' + s.itemId };
      });
      later(function () {
        if (a.callback) a.callback(asyncResult(value, a.options.asyncContext));
      });
    },
    addHandlerAsync: function (eventType, handler) {
      var a = splitArgs(Array.prototype.slice.call(arguments, 2));
      (handlers[eventType] = handlers[eventType] || []).push(handler);
      note('addHandlerAsync', { eventType: eventType });
      later(function () {
        if (a.callback) a.callback(asyncResult(undefined, a.options.asyncContext));
      });
    },
    removeHandlerAsync: function (eventType) {
      var a = splitArgs(Array.prototype.slice.call(arguments, 1));
      delete handlers[eventType];
      later(function () {
        if (a.callback) a.callback(asyncResult(undefined, a.options.asyncContext));
      });
    },
    getCallbackTokenAsync: function () {
      // Legacy Exchange tokens are being turned off: the add-in must not rely on them.
      var a = splitArgs(arguments);
      later(function () {
        if (a.callback)
          a.callback(asyncResult(undefined, a.options.asyncContext, { name: 'GenericTokenError', message: 'Legacy tokens are turned off.', code: 9018 }));
      });
    },
  };

  // Mailbox 1.13's multi-select is not on phones.
  if (phone) delete mailbox.getSelectedItemsAsync;

  function theme() {
    return dark
      ? {
          bodyBackgroundColor: '#292827',
          bodyForegroundColor: '#ffffff',
          controlBackgroundColor: '#3b3a39',
          controlForegroundColor: '#ffffff',
          themeId: 'Black',
          isDarkTheme: true,
        }
      : {
          bodyBackgroundColor: '#ffffff',
          bodyForegroundColor: '#323130',
          controlBackgroundColor: '#ffffff',
          controlForegroundColor: '#323130',
          themeId: 'Colorful',
          isDarkTheme: false,
        };
  }

  var hasNaa = scenario.naa !== false;
  var requirementSets = { mailbox: phone ? '1.5' : '1.13', identityapi: '1.3', dialogapi: '1.2' };
  if (hasNaa) requirementSets.nestedappauth = '1.1';
  var other = scenario.otherAccount;
  function versionAtMost(asked, have) {
    var a = String(asked || '1.1')
      .split('.')
      .map(Number);
    var h = String(have).split('.').map(Number);
    for (var i = 0; i < Math.max(a.length, h.length); i++) {
      var x = a[i] || 0;
      var y = h[i] || 0;
      if (x !== y) return x < y;
    }
    return true;
  }

  var roaming = {};
  var storageKey = 'office-standin-roaming';
  try {
    roaming = JSON.parse(window.localStorage.getItem(storageKey) || '{}');
  } catch (e) {
    roaming = {};
  }

  // ---- The dialog -------------------------------------------------------------------------------
  // Microsoft Learn: "Office.UI interface" (displayDialogAsync, messageParent),
  // https://learn.microsoft.com/javascript/api/office/office.ui; "Office.Dialog interface",
  // https://learn.microsoft.com/javascript/api/office/office.dialog; "Best practices and rules for the
  // Office Dialog API", https://learn.microsoft.com/office/dev/add-ins/develop/dialog-best-practices;
  // "Handle errors and events in the Office dialog box",
  // https://learn.microsoft.com/office/dev/add-ins/develop/dialog-handle-errors-events. Rules kept:
  // the start address must be on the pane's own domain, protocol and port included (12004), and HTTPS
  // (12005; waived only while the pane itself is on http, as this loopback host is); one dialog per
  // host page at a time (12007); a blocked window (12011); the user closing it (DialogEventReceived
  // 12006); close() is asynchronous and ends all events; messageParent takes a string or boolean and
  // reaches the opener only from the pane's domain unless targetOrigin names the opener's (DialogApi
  // 1.2); DialogMessageReceived carries the sender's origin (DialogOrigin 1.1).
  var openDialog = null;
  var dialogCount = 0;

  function officeError(code, message) {
    return { name: 'Error', message: message, code: code };
  }

  function displayDialogAsync(startAddress) {
    var a = splitArgs(Array.prototype.slice.call(arguments, 1));
    var fail = function (code, message) {
      note('displayDialogAsync', { url: String(startAddress), error: code });
      later(function () {
        if (a.callback) a.callback(asyncResult(undefined, a.options.asyncContext, officeError(code, message)));
      });
    };
    // Without the switch, the dialog is never available (the NAA scenarios must not reach it).
    if (!scenario.dialog) return fail(12007, 'Dialogs are not available in the test host.');
    if (openDialog) return fail(12007, 'A dialog box is already opened from this host window.');
    var url;
    try {
      url = new URL(String(startAddress), window.location.href);
    } catch (e) {
      return fail(12004, 'The domain of the URL passed to displayDialogAsync is not trusted.');
    }
    if (url.origin !== window.location.origin) return fail(12004, 'The domain of the URL passed to displayDialogAsync is not trusted.');
    if (url.protocol !== 'https:' && window.location.protocol === 'https:') return fail(12005, 'The URL passed to displayDialogAsync uses the HTTP protocol.');
    var id = String(++dialogCount);
    var width = Math.round((screen.availWidth || 1024) * ((a.options.width || 80) / 100));
    var height = Math.round((screen.availHeight || 768) * ((a.options.height || 80) / 100));
    var win = window.open(url.href, DIALOG_NAME + id + '|' + window.location.origin, 'popup,width=' + width + ',height=' + height);
    if (!win) return fail(12011, "The user's browser is blocking the dialog box (pop-ups).");
    note('displayDialogAsync', { url: url.href, dialog: id });
    var handlers = { dialogMessageReceived: [], dialogEventReceived: [] };
    var ended = false;
    var fire = function (type, arg) {
      (handlers[type] || []).slice().forEach(function (h) {
        h(arg);
      });
    };
    var end = function () {
      ended = true;
      openDialog = null;
      window.removeEventListener('message', onMessage);
      clearInterval(watch);
    };
    var onMessage = function (e) {
      if (ended || e.source !== win || !e.data || e.data.officeStandinDialog !== id) return;
      note('DialogMessageReceived', { dialog: id, origin: e.origin });
      fire(EventType.DialogMessageReceived, { type: EventType.DialogMessageReceived, message: e.data.message, origin: e.origin });
    };
    window.addEventListener('message', onMessage);
    // Closed by the user (not by close()): DialogEventReceived with 12006.
    var watch = setInterval(function () {
      if (ended || !win.closed) return;
      end();
      note('DialogEventReceived', { dialog: id, error: 12006 });
      fire(EventType.DialogEventReceived, { type: EventType.DialogEventReceived, error: 12006 });
    }, 200);
    var dialog = {
      addEventHandler: function (eventType, handler) {
        if (handlers[eventType]) handlers[eventType].push(handler);
      },
      close: function () {
        if (ended) return;
        end();
        note('dialogClose', { dialog: id });
        // Asynchronous, like Office's (no callback, no promise).
        setTimeout(function () {
          win.close();
        }, 0);
      },
      messageChild: function (message) {
        if (!ended) win.postMessage({ officeStandinParent: id, message: String(message) }, url.origin);
      },
    };
    openDialog = dialog;
    later(function () {
      if (a.callback) a.callback(asyncResult(dialog, a.options.asyncContext));
    });
  }

  /** Office.context.ui inside a dialog: messageParent (and nothing that opens another dialog). */
  function dialogUi() {
    var id = dialogName[1];
    var openerOrigin = dialogName.slice(2).join('|');
    return {
      messageParent: function (message, messageOptions) {
        if (typeof message !== 'string' && typeof message !== 'boolean') throw new Error('messageParent takes a string or a boolean.');
        var target = (messageOptions && messageOptions.targetOrigin) || openerOrigin;
        // From another domain, only with the opener's origin named (DialogApi 1.2).
        if (window.location.origin !== openerOrigin && !(messageOptions && messageOptions.targetOrigin)) return;
        if (window.opener) window.opener.postMessage({ officeStandinDialog: id, message: message }, target);
      },
    };
  }

  /** A localStorage of the dialog's own (kept in this window's sessionStorage, which the pane never reads). */
  function installOwnStorage() {
    var key = 'office-standin-own-storage';
    var backing = window.sessionStorage;
    var store;
    var save = function () {
      backing.setItem(key, JSON.stringify(Object.assign({}, store)));
    };
    var proto = {
      getItem: function (k) {
        return Object.prototype.hasOwnProperty.call(store, String(k)) ? store[String(k)] : null;
      },
      setItem: function (k, v) {
        store[String(k)] = String(v);
        save();
      },
      removeItem: function (k) {
        delete store[String(k)];
        save();
      },
      clear: function () {
        Object.keys(store).forEach(function (k) {
          delete store[k];
        });
        save();
      },
      key: function (i) {
        var keys = Object.keys(store);
        return i < keys.length ? keys[i] : null;
      },
      get length() {
        return Object.keys(store).length;
      },
    };
    store = Object.create(proto);
    var saved = {};
    try {
      saved = JSON.parse(backing.getItem(key) || '{}');
    } catch (e) {
      saved = {};
    }
    Object.keys(saved).forEach(function (k) {
      store[k] = saved[k];
    });
    Object.defineProperty(window, 'localStorage', {
      configurable: true,
      get: function () {
        return store;
      },
    });
  }
  if (isDialog && scenario.dialogStorage === 'own') installOwnStorage();

  var readyInfo = { host: 'Outlook', platform: platform };
  var readyCallbacks = [];
  var isReady = false;

  var Office = {
    HostType: { Outlook: 'Outlook', Word: 'Word', Excel: 'Excel', PowerPoint: 'PowerPoint' },
    PlatformType: { OfficeOnline: 'OfficeOnline', PC: 'PC', Mac: 'Mac', iOS: 'iOS', Android: 'Android', Universal: 'Universal' },
    AsyncResultStatus: AsyncResultStatus,
    EventType: EventType,
    CoercionType: { Text: 'text', Html: 'html' },
    MailboxEnums: {
      RestVersion: { v1_0: 'v1.0', v2_0: 'v2.0', Beta: 'beta' },
      ItemType: { Message: 'message', Appointment: 'appointment' },
      ItemNotificationMessageType: { InformationalMessage: 'informationalMessage', ErrorMessage: 'errorMessage' },
    },
    context: {
      // A dialog can call only messageParent and isSetSupported (dialog best practices).
      mailbox: isDialog ? undefined : mailbox,
      host: 'Outlook',
      platform: platform,
      diagnostics: { host: 'Outlook', platform: platform, version: phone ? '4.2450.0' : '16.0.18000.10000' },
      displayLanguage: scenario.displayLanguage || 'en-GB',
      contentLanguage: scenario.displayLanguage || 'en-GB',
      get officeTheme() {
        return theme();
      },
      requirements: {
        isSetSupported: function (name, version) {
          var have = requirementSets[String(name).toLowerCase()];
          return have !== undefined && versionAtMost(version, have);
        },
      },
      roamingSettings: {
        get: function (k) {
          return roaming[k];
        },
        set: function (k, v) {
          roaming[k] = v;
        },
        remove: function (k) {
          delete roaming[k];
        },
        saveAsync: function () {
          var a = splitArgs(arguments);
          window.localStorage.setItem(storageKey, JSON.stringify(roaming));
          later(function () {
            if (a.callback) a.callback(asyncResult(undefined, a.options.asyncContext));
          });
        },
      },
      ui: isDialog ? dialogUi() : { displayDialogAsync: displayDialogAsync },
    },
    actions: {
      _associated: {},
      associate: function (name, fn) {
        Office.actions._associated[name] = fn;
      },
    },
    auth: {
      // IdentityAPI 1.3: who is signed in to the mailbox the add-in runs in.
      getAuthContext: function () {
        return Promise.resolve({
          userObjectId: oid,
          tenantId: tenantId,
          userPrincipalName: user.email,
          authorityType: 'aad',
          authorityBaseUrl: 'https://login.microsoftonline.com',
          loginHint: user.email,
        });
      },
    },
    addin: {
      showAsTaskpane: function () {
        return Promise.resolve();
      },
      hide: function () {
        return Promise.resolve();
      },
    },
    onReady: function (callback) {
      return new Promise(function (resolve) {
        function done() {
          if (callback) callback(readyInfo);
          resolve(readyInfo);
        }
        if (isReady) done();
        else readyCallbacks.push(done);
      });
    },
    initialize: undefined,
  };

  // Like Office.js, ready once the document has loaded (callers may register before or after).
  function becomeReady() {
    if (isReady) return;
    isReady = true;
    if (typeof Office.initialize === 'function') Office.initialize('taskpane');
    readyCallbacks.splice(0).forEach(function (cb) {
      cb();
    });
  }
  if (document.readyState === 'loading')
    document.addEventListener('DOMContentLoaded', function () {
      setTimeout(becomeReady, 0);
    });
  else setTimeout(becomeReady, 0);

  window.Office = Office;

  // ---- Nested app auth bridge ------------------------------------------------------------------
  var listeners = [];
  var consented = scenario.consented !== false;
  var environment = 'login.microsoftonline.com';
  var account = {
    homeAccountId: oid + '.' + tenantId,
    environment: environment,
    tenantId: tenantId,
    username: user.email,
    localAccountId: oid,
    name: user.name,
  };
  var otherAccount = other
    ? {
        homeAccountId: other.oid + '.' + other.tenantId,
        environment: environment,
        tenantId: other.tenantId,
        username: other.email,
        localAccountId: other.oid,
        name: other.name,
      }
    : null;
  // The host's last active account: the other one, when there is one.
  var hostAccount = otherAccount || account;

  function respond(envelope) {
    var text = JSON.stringify(envelope);
    listeners.slice().forEach(function (cb) {
      setTimeout(function () {
        cb(text);
      }, 0);
    });
  }

  function failure(requestId, error) {
    respond({ messageType: 'NestedAppAuthResponse', requestId: requestId, success: false, error: error });
  }

  function tokenFailure(kind) {
    var f = scenario.tokenFailure;
    if (!f) return undefined;
    if (f.on && f.on !== 'any' && f.on !== kind) return undefined;
    return {
      status: f.status || 'USER_INTERACTION_REQUIRED',
      code: f.code || 'invalid_grant',
      subError: f.subError || '',
      description:
        f.description ||
        'AADSTS50173: The provided grant has expired due to it being revoked, a fresh auth token is needed. The user might have changed or reset their password.',
    };
  }

  function getToken(request, interactive) {
    var params = request.tokenParams || {};
    // A request for the other account's homeAccountId gets the other account's token.
    // Without an account id the host answers for its own active account (the other one, when there is one).
    var forOther = other && (params.platformBrokerId === otherAccount.homeAccountId || !params.platformBrokerId);
    if (forOther) return mintFor(request, other, otherAccount, interactive);
    var kind = /(^|\s)api:\/\/|access_as_user/.test(params.scope || '') ? 'adapter' : 'graph';
    note(interactive ? 'GetTokenPopup' : 'GetToken', { scope: params.scope, kind: kind });
    var err = tokenFailure(kind);
    if (err) return failure(request.requestId, err);
    if (!interactive && !consented) {
      return failure(request.requestId, {
        status: 'USER_INTERACTION_REQUIRED',
        code: 'interaction_required',
        description: 'AADSTS65001: The user or administrator has not consented to use the application.',
      });
    }
    if (interactive) consented = true;
    return mintFor(request, { email: user.email, name: user.name, oid: oid, tenantId: tenantId }, account, interactive);
  }

  function mintFor(request, who, acc) {
    var params = request.tokenParams || {};
    fetch('/__host/token', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ scope: params.scope || '', clientId: params.clientId, email: who.email, name: who.name, oid: who.oid, tenantId: who.tenantId }),
    })
      .then(function (res) {
        if (!res.ok) throw new Error('token endpoint answered ' + res.status);
        return res.json();
      })
      .then(function (t) {
        respond({
          messageType: 'NestedAppAuthResponse',
          requestId: request.requestId,
          success: true,
          token: {
            access_token: t.access_token,
            id_token: t.id_token,
            expires_in: t.expires_in,
            scope: t.scope,
            properties: null,
            authority: 'https://' + environment + '/' + acc.tenantId,
          },
          account: acc,
        });
      })
      .catch(function (e) {
        failure(request.requestId, { status: 'TRANSIENT_ERROR', code: 'network_error', description: String(e && e.message) });
      });
  }

  if (hasNaa)
    window.nestedAppAuthBridge = {
      addEventListener: function (name, cb) {
        if (name === 'message') listeners.push(cb);
      },
      removeEventListener: function (name, cb) {
        listeners = listeners.filter(function (l) {
          return l !== cb;
        });
      },
      postMessage: function (message) {
        var request;
        try {
          request = JSON.parse(message);
        } catch (e) {
          return;
        }
        if (!request || request.messageType !== 'NestedAppAuthRequest') return;
        switch (request.method) {
          case 'GetInitContext':
            note('GetInitContext', {});
            respond({
              messageType: 'NestedAppAuthResponse',
              requestId: request.requestId,
              success: true,
              initContext: {
                sdkName: 'office-standin',
                sdkVersion: '1.0.0',
                capabilities: { queryAccount: false },
                accountContext: consented ? { homeAccountId: hostAccount.homeAccountId, environment: environment, tenantId: hostAccount.tenantId } : undefined,
              },
            });
            return;
          case 'GetToken':
            return getToken(request, false);
          case 'GetTokenPopup':
            return getToken(request, true);
          case 'GetActiveAccount':
            return respond({ messageType: 'NestedAppAuthResponse', requestId: request.requestId, success: true, account: hostAccount });
          case 'SignOut':
            consented = scenario.consented !== false ? consented : false;
            return respond({ messageType: 'NestedAppAuthResponse', requestId: request.requestId, success: true });
          default:
            return failure(request.requestId, {
              status: 'PERSISTENT_ERROR',
              code: 'unsupported_method',
              description: 'The test host does not know ' + request.method,
            });
        }
      },
    };

  // ---- Test hooks ------------------------------------------------------------------------------
  window.__officeStandin = {
    // Microsoft Learn, "Office.EventType" (https://learn.microsoft.com/javascript/api/office/office.eventtype):
    // SelectedItemsChanged (Mailbox 1.13) when the selection changes; ItemChanged (Mailbox 1.5) when a
    // different item is selected for viewing while the pane is pinned. A phone (Mailbox 1.5) has only
    // ItemChanged; there the pane shows the one open mail, and a test opening another is a new item.
    setSelection: function (items) {
      var before = selected.length > 0 ? selected[0].itemId : null;
      selected = items.slice();
      var after = selected.length > 0 ? selected[0].itemId : null;
      var fire = function (type) {
        (handlers[type] || []).forEach(function (h) {
          h({ type: type });
        });
      };
      if (!phone) fire(EventType.SelectedItemsChanged);
      if (after !== before) fire(EventType.ItemChanged);
    },
    selection: function () {
      return selected.slice();
    },
    log: log,
    scenario: scenario,
  };
})();
