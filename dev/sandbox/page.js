/*
 * The sandbox page: an Outlook mail list over the Graph stand-in (polled from /__sandbox/state), the
 * folder tree with live counts, multi-select as Outlook does it (click, Ctrl/⌘-click, Shift-click,
 * keyboard; at most 100 mails, Mailbox 1.13), and the task pane in a 350 px frame. The selection
 * reaches the pane through the Office.js stand-in's setSelection, which fires SelectedItemsChanged.
 */
(function () {
  'use strict';

  var MAX_SELECTION = 100; // Mailbox 1.13: getSelectedItemsAsync returns at most 100 items
  var current = 'inbox';
  var data = { folders: [], messages: [], imap: undefined };
  var selected = []; // keys (internet message ids), in selection order
  var anchor; // key the Shift range starts from
  var active; // key with keyboard focus
  var note = '';
  var host;

  var $ = function (id) {
    return document.getElementById(id);
  };
  var list = $('messages');

  function inFolder() {
    return data.messages
      .filter(function (m) {
        return m.folder === current;
      })
      .sort(function (a, b) {
        return a.date < b.date ? 1 : a.date > b.date ? -1 : 0;
      });
  }

  function when(iso) {
    var d = new Date(iso);
    if (isNaN(d.getTime())) return '';
    return d.toLocaleString('en-GB', { weekday: 'short', day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit', timeZone: 'Europe/London' });
  }

  function paneOffice() {
    try {
      var w = $('pane').contentWindow;
      return w && w.__officeStandin ? w : undefined;
    } catch (e) {
      return undefined;
    }
  }

  /** Office.js hands add-ins EWS-form ids; the stand-in converts them the way Outlook does. */
  function officeId(restId) {
    var w = paneOffice();
    if (w && w.Office && w.Office.context && w.Office.context.mailbox && w.Office.context.mailbox.convertToEwsId)
      return w.Office.context.mailbox.convertToEwsId(restId, 'v2.0');
    return restId.replace(/-/g, '/').replace(/_/g, '+');
  }

  function selectionItems() {
    var byKey = {};
    data.messages.forEach(function (m) {
      byKey[m.key] = m;
    });
    return selected
      .filter(function (k) {
        return byKey[k];
      })
      .map(function (k) {
        var m = byKey[k];
        return { itemId: officeId(m.id), subject: m.subject, fromName: m.from.name, internetMessageId: m.key };
      });
  }

  var lastPushed = '';
  function pushSelection() {
    var items = selectionItems();
    var sig = JSON.stringify(items);
    if (host) host.selected = items;
    if (sig === lastPushed) return;
    lastPushed = sig;
    var w = paneOffice();
    if (w) w.__officeStandin.setSelection(items);
  }

  function setSelected(keys, why) {
    note = '';
    if (keys.length > MAX_SELECTION) {
      keys = keys.slice(0, MAX_SELECTION);
      note = ' Outlook hands an add-in at most ' + MAX_SELECTION + ' selected mails, so the first ' + MAX_SELECTION + ' are selected.';
    }
    selected = keys;
    if (why !== 'refresh') render();
    pushSelection();
  }

  var foldersShown = '';
  function renderFolders() {
    var ul = $('folders');
    // Rebuilt only when something changed, so a click is never lost to a refresh.
    var sig = JSON.stringify([current, data.folders]);
    if (sig === foldersShown) return;
    foldersShown = sig;
    ul.textContent = '';
    data.folders.forEach(function (f) {
      var li = document.createElement('li');
      var b = document.createElement('button');
      b.type = 'button';
      b.className = 'folder depth-' + f.depth + (f.exists ? '' : ' missing');
      b.setAttribute('aria-current', f.path === current ? 'true' : 'false');
      b.dataset.path = f.path;
      // The name read out is the visible text plus hidden context: "Rezi-Imported, Queue 3 mails".
      var hidden = function (text) {
        var h = document.createElement('span');
        h.className = 'visually-hidden';
        h.textContent = text;
        return h;
      };
      var name = document.createElement('span');
      if (f.depth) name.appendChild(hidden('Rezi-Imported, '));
      name.appendChild(document.createTextNode(f.name));
      var count = document.createElement('span');
      count.className = 'count';
      if (!f.exists) count.textContent = 'not yet created';
      else if (f.path !== 'Rezi-Imported') {
        count.textContent = String(f.count);
        count.appendChild(hidden(f.count === 1 ? ' mail' : ' mails'));
      }
      b.appendChild(name);
      b.appendChild(count);
      b.addEventListener('click', function () {
        if (current === f.path) return;
        current = f.path;
        anchor = undefined;
        active = undefined;
        setSelected([]);
      });
      li.appendChild(b);
      ul.appendChild(li);
    });
  }

  /** One row per mail, kept across renders (a click whose row was rebuilt mid-press would be lost). */
  var rows = {};
  function rowFor(m) {
    var row = rows[m.key];
    if (!row) {
      row = document.createElement('div');
      row.className = 'msg';
      row.setAttribute('role', 'option');
      row.dataset.key = m.key;
      ['tick', 'who', 'date', 'subject', 'preview'].forEach(function (c) {
        var el = document.createElement('span');
        el.className = c;
        if (c === 'tick') el.setAttribute('aria-hidden', 'true');
        row.appendChild(el);
      });
      rows[m.key] = row;
    }
    var set = function (cls, text) {
      var el = row.querySelector('.' + cls);
      if (el.textContent !== text) el.textContent = text;
    };
    var isSel = selected.indexOf(m.key) >= 0;
    row.setAttribute('aria-selected', isSel ? 'true' : 'false');
    row.classList.toggle('active', m.key === active);
    set('tick', isSel ? '✓' : '');
    set(
      'who',
      m.outbound
        ? 'To: ' +
            m.to
              .map(function (t) {
                return t.name;
              })
              .join(', ')
        : m.from.name,
    );
    set('date', when(m.date));
    set('subject', m.subject);
    set('preview', m.preview);
    return row;
  }

  function renderList() {
    var msgs = inFolder();
    var folder = data.folders.filter(function (f) {
      return f.path === current;
    })[0];
    $('list-heading').textContent = folder ? (folder.depth ? 'Rezi-Imported › ' : '') + folder.name : 'Inbox';
    var wanted = msgs.map(rowFor);
    wanted.forEach(function (row, i) {
      row.id = 'msg-' + i;
    });
    var same =
      list.children.length === wanted.length &&
      wanted.every(function (row, i) {
        return list.children[i] === row;
      });
    if (!same) {
      list.textContent = '';
      wanted.forEach(function (row) {
        list.appendChild(row);
      });
    }
    if (msgs.length === 0) {
      var empty = document.createElement('p');
      empty.className = 'empty muted';
      empty.textContent =
        folder && !folder.exists ? 'This folder does not exist yet: the add-in creates it when you first sign in.' : 'No mails in this folder.';
      list.appendChild(empty);
    }
    var activeRow = active && rows[active] && rows[active].parentNode === list ? rows[active] : undefined;
    if (activeRow) list.setAttribute('aria-activedescendant', activeRow.id);
    else list.removeAttribute('aria-activedescendant');
    var n = selected.length;
    var status = (n === 0 ? 'Nothing selected' : n === 1 ? '1 mail selected' : n + ' mails selected') + note;
    if ($('selection-status').textContent !== status) $('selection-status').textContent = status;
  }

  function renderImap() {
    var s = data.imap;
    var sw = $('imap-switch');
    var panel = $('imap-panel');
    var on = sw.getAttribute('aria-checked') === 'true';
    panel.hidden = !on;
    if (!on || !s) return;
    var body = $('imap-body');
    var html;
    var esc = function (t) {
      return String(t).replace(/[&<>"']/g, function (c) {
        return { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c];
      });
    };
    if (!s.available) {
      html =
        '<p>Dovecot, the IMAP server the sandbox runs for this, is not installed on this machine. Install it with <code>' +
        esc(s.installHint) +
        '</code>, then run <code>npm start</code> again.</p>';
    } else if (s.phase === 'starting') html = '<p>Starting a Dovecot IMAP server on this laptop…</p>';
    else if (s.phase === 'failed') html = '<p>The IMAP server did not start: ' + esc(s.error || 'unknown reason') + '</p>';
    else if (s.phase === 'on') {
      var c = s.counts || {};
      var n = function (k) {
        return c[k] === undefined || c[k] === null ? '—' : c[k];
      };
      html =
        '<p>A Dovecot IMAP server runs on <code>' +
        esc(s.server.host + ':' + s.server.port) +
        '</code> (SSL) and the Clifton branch is set to use it, as IT would set it. In the add-in, choose <strong>Use another email provider (IMAP)</strong> and sign in as <code>' +
        esc(s.user) +
        '</code> with the password <code>' +
        esc(s.password) +
        '</code>. Then put the mails into Queue, as you would in your mail program, and press <strong>Start Sync</strong>.</p>' +
        '<ul class="imap-counts" aria-label="IMAP folders">' +
        ['INBOX', 'Rezi-Imported.Queue', 'Rezi-Imported.Sent', 'Rezi-Imported.Received', 'Rezi-Imported.Failed']
          .map(function (k) {
            return '<li>' + esc(k === 'INBOX' ? 'Inbox' : k.replace('Rezi-Imported.', 'Rezi-Imported › ')) + ': ' + n(k) + '</li>';
          })
          .join('') +
        '</ul><button type="button" id="imap-queue">Move the inbox’s mails to Queue</button>';
    } else html = '<p>The IMAP mailbox is off.</p>';
    if (body.dataset.html !== html) {
      body.innerHTML = html;
      body.dataset.html = html;
      var q = $('imap-queue');
      if (q)
        q.addEventListener('click', function () {
          action('imap-queue');
        });
    }
  }

  function render() {
    renderFolders();
    renderList();
    renderImap();
  }

  function action(name) {
    return fetch('/__sandbox/action/' + name, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })
      .then(function (r) {
        return r.json();
      })
      .then(function (result) {
        return refresh().then(function () {
          return result;
        });
      });
  }

  var refreshing = false;
  function refresh() {
    if (refreshing) return Promise.resolve();
    refreshing = true;
    return fetch('/__sandbox/state', { cache: 'no-store' })
      .then(function (r) {
        return r.json();
      })
      .then(function (s) {
        data = s;
        // Mails that left this folder (the add-in moved them) leave the selection, as in Outlook.
        var here = {};
        inFolder().forEach(function (m) {
          here[m.key] = true;
        });
        var kept = selected.filter(function (k) {
          return here[k];
        });
        if (kept.length !== selected.length) setSelected(kept, 'refresh');
        else pushSelection();
        render();
      })
      .catch(function () {
        /* the sandbox is restarting: try again on the next tick */
      })
      .then(function () {
        refreshing = false;
      });
  }

  // ---- Selection: mouse ----------------------------------------------------------------------
  function keysInView() {
    return inFolder().map(function (m) {
      return m.key;
    });
  }
  function rangeKeys(from, to) {
    var keys = keysInView();
    var a = keys.indexOf(from);
    var b = keys.indexOf(to);
    if (a < 0) a = b;
    return keys.slice(Math.min(a, b), Math.max(a, b) + 1);
  }

  list.addEventListener('click', function (e) {
    var row = e.target.closest('.msg');
    if (!row) return;
    var key = row.dataset.key;
    active = key;
    if (e.shiftKey) setSelected(rangeKeys(anchor || key, key));
    else if (e.ctrlKey || e.metaKey) {
      anchor = key;
      setSelected(
        selected.indexOf(key) >= 0
          ? selected.filter(function (k) {
              return k !== key;
            })
          : selected.concat([key]),
      );
    } else {
      anchor = key;
      setSelected([key]);
    }
    list.focus();
  });

  // ---- Selection: keyboard (listbox pattern) -----------------------------------------------------
  list.addEventListener('keydown', function (e) {
    var keys = keysInView();
    if (keys.length === 0) return;
    var i = keys.indexOf(active);
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      var j = i < 0 ? 0 : Math.max(0, Math.min(keys.length - 1, i + (e.key === 'ArrowDown' ? 1 : -1)));
      active = keys[j];
      if (e.shiftKey) setSelected(rangeKeys(anchor || keys[Math.max(i, 0)], active));
      else if (e.ctrlKey || e.metaKey) render();
      else {
        anchor = active;
        setSelected([active]);
      }
    } else if (e.key === ' ') {
      e.preventDefault();
      if (!active) active = keys[0];
      anchor = active;
      setSelected(
        selected.indexOf(active) >= 0
          ? selected.filter(function (k) {
              return k !== active;
            })
          : selected.concat([active]),
      );
    } else if ((e.key === 'a' || e.key === 'A') && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      setSelected(keys.slice());
    } else if (e.key === 'Escape') {
      setSelected([]);
    }
  });
  list.addEventListener('focus', function () {
    if (!active) {
      var keys = keysInView();
      if (keys.length) {
        active = keys[0];
        render();
      }
    }
  });

  // ---- IMAP switch -------------------------------------------------------------------------------
  $('imap-switch').addEventListener('click', function () {
    var sw = $('imap-switch');
    var on = sw.getAttribute('aria-checked') !== 'true';
    sw.setAttribute('aria-checked', on ? 'true' : 'false');
    renderImap();
    if (!data.imap || !data.imap.available) return;
    action(on ? 'imap-on' : 'imap-off').then(function (r) {
      // The pane read the branch's settings when it opened: reopen it, as one would in Outlook,
      // so it sees the IMAP server IT has just set.
      if (on && r && r.ok) {
        lastPushed = '';
        $('pane').contentWindow.location.reload();
      }
    });
  });

  // ---- Start: host settings first (the Office.js stand-in reads window.__host), then the pane ----
  fetch('/__sandbox/host')
    .then(function (r) {
      return r.json();
    })
    .then(function (h) {
      host = { user: h.user, tenantId: h.tenantId, config: h.config, selected: [] };
      window.__host = host;
      window.__hostEvents = [];
      $('timeline-link').href = h.config.adapterUrl + '/local/timeline';
      return refresh();
    })
    .then(function () {
      $('pane').src = '/taskpane.html';
      setInterval(refresh, 1000);
    });
})();
