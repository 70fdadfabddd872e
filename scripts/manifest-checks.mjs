// Offline checks for the add-in's XML manifest (MailApp). No network: this runs in CI.
// The XML is parsed with sax in strict mode (the parser office-addin-manifest's xml2js uses),
// so well-formedness errors carry line and column numbers.
import { readFileSync, existsSync } from 'node:fs';
import { join, dirname, basename } from 'node:path';
import sax from 'sax';

// Schema order of <OfficeApp xsi:type="MailApp"> children: the OfficeApp base sequence followed by
// the MailApp extension (Microsoft's "How to find the proper order of manifest elements" and the
// MailApp complexType in OfficeAppManifestv1.1.xsd).
export const OFFICE_APP_ORDER = [
  'Id',
  'AlternateId',
  'Version',
  'ProviderName',
  'DefaultLocale',
  'DisplayName',
  'Description',
  'IconUrl',
  'HighResolutionIconUrl',
  'SupportUrl',
  'AppDomains',
  'Hosts',
  'Requirements',
  'FormSettings',
  'Permissions',
  'Rule',
  'DisableEntityHighlighting',
  'VersionOverrides',
];
// What this add-in needs (a superset of the schema's minOccurs=1 elements: icons and support URL are required by AppSource and admins).
const REQUIRED = [
  'Id',
  'Version',
  'ProviderName',
  'DefaultLocale',
  'DisplayName',
  'Description',
  'IconUrl',
  'HighResolutionIconUrl',
  'SupportUrl',
  'Hosts',
  'Requirements',
  'FormSettings',
  'Permissions',
  'Rule',
  'VersionOverrides',
];
// VersionOverridesV1_0 / V1_1 (mail) child sequences.
const VO_ORDER = {
  VersionOverridesV1_0: ['Description', 'Requirements', 'Hosts', 'Resources', 'VersionOverrides'],
  VersionOverridesV1_1: ['Description', 'Requirements', 'Hosts', 'Resources', 'WebApplicationInfo', 'EquivalentAddins'],
};
// Child sequences of nested VersionOverrides elements (mailappversionoverrides/1.1 XSD), keyed by element or element[xsi:type].
const NESTED_ORDER = {
  'Action[ShowTaskpane]': ['SourceLocation', 'SupportsPinning', 'SupportsNoItemContext', 'SupportsMultiSelect'],
  // MS-OWEMXML ExecuteFunction: FunctionName only (SupportsMultiSelect is valid on ShowTaskpane alone).
  'Action[ExecuteFunction]': ['FunctionName'],
  'Control[Button]': ['Label', 'Supertip', 'Icon', 'Action'],
  Supertip: ['Title', 'Description'],
  DesktopFormFactor: ['SupportsSharedFolders', 'FunctionFile', 'ExtensionPoint'],
  // MobileFormFactor: FunctionFile (optional), then ExtensionPoints; it has no SupportsSharedFolders.
  MobileFormFactor: ['FunctionFile', 'ExtensionPoint'],
  // A MobileButton has a label, a MobileIconList and an action (no Supertip).
  'Control[MobileButton]': ['Label', 'Icon', 'Action'],
};
// Extension points Outlook on iOS and Android offer ("ExtensionPoint element", mobile ones).
const MOBILE_EXTENSION_POINTS = ['MobileMessageReadCommandSurface', 'MobileOnlineMeetingCommandSurface', 'MobileLogEventAppointmentAttendee'];
// "Icon element", additional requirements for mobile: sizes 25, 32 and 48 at least, each at scale 1, 2 and 3.
const MOBILE_ICON_SIZES = ['25', '32', '48'];
const MOBILE_ICON_SCALES = ['1', '2', '3'];
// Outlook on iOS and Android load add-in commands at Mailbox 1.5 ("Add-in commands on mobile"; VersionOverrides 1.1
// is "associated with Mailbox 1.5"); a client that lacks a VersionOverrides' minimum does not load it.
const MOBILE_MAILBOX_MAX = [1, 5];
const PERMISSIONS = ['Restricted', 'ReadItem', 'ReadWriteItem', 'ReadWriteMailbox'];
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const VERSION = /^\d+(\.\d+){1,3}$/;
const MULTI_SELECT_MIN = [1, 13];

// Which <bt:*> collection a resid on a given element must resolve to.
const RESOURCE_KIND = {
  Image: 'bt:Images',
  SourceLocation: 'bt:Urls',
  FunctionFile: 'bt:Urls',
  Label: 'bt:ShortStrings',
  Title: 'bt:ShortStrings',
  Description: 'bt:LongStrings',
};

const local = (name) => name.slice(name.indexOf(':') + 1);

/** Parses XML into a light element tree; throws {line, column, message} when not well-formed. */
export function parseXml(text) {
  const parser = sax.parser(true, { position: true });
  const root = { name: '#document', attrs: {}, children: [], text: '', line: 0 };
  const stack = [root];
  let failure;
  parser.onerror = (err) => {
    failure ??= { line: parser.line + 1, column: parser.column + 1, message: err.message.split('\n')[0] };
    parser.error = null; // keep sax from throwing; we stop after the first error
  };
  parser.onopentag = (node) => {
    const el = { name: node.name, local: local(node.name), attrs: node.attributes, children: [], text: '', line: parser.line + 1, parent: stack.at(-1) };
    stack.at(-1).children.push(el);
    stack.push(el);
  };
  parser.onclosetag = () => stack.pop();
  parser.ontext = (t) => (stack.at(-1).text += t);
  parser.oncdata = (t) => (stack.at(-1).text += t);
  try {
    parser.write(text).close();
  } catch (err) {
    failure ??= { line: parser.line + 1, column: parser.column + 1, message: String(err.message).split('\n')[0] };
  }
  if (!failure && stack.length !== 1) failure = { line: parser.line + 1, column: parser.column + 1, message: `unclosed element <${stack.at(-1).name}>` };
  if (failure) throw Object.assign(new Error(failure.message), failure);
  return root;
}

function* walk(el) {
  for (const child of el.children) {
    yield child;
    yield* walk(child);
  }
}
const childrenNamed = (el, name) => el.children.filter((c) => c.name === name || c.local === name);
const firstChild = (el, name) => childrenNamed(el, name)[0];
const textOf = (el) => (el?.text ?? '').trim();

/** Reads width and height from a PNG's IHDR chunk, or null when the bytes are not a PNG. */
export function pngSize(buf) {
  const signature = '89504e470d0a1a0a';
  if (buf.length < 24 || buf.subarray(0, 8).toString('hex') !== signature || buf.subarray(12, 16).toString('ascii') !== 'IHDR') return null;
  return { width: buf.readUInt32BE(16), height: buf.readUInt32BE(20) };
}

function compareVersions(a, b) {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d) return d;
  }
  return 0;
}
const parseVersion = (s) =>
  String(s ?? '')
    .split('.')
    .map(Number);

/**
 * Validates manifest XML text. Icons are looked up by URL path under `manifestDir` (so /assets/icon-16.png
 * resolves to <manifestDir>/assets/icon-16.png, which holds for both manifest.xml and dist/manifest.xml),
 * then by file name in each of `assetsDirs`.
 * @returns {{ checks: number, problems: string[] }}
 */
export function validateManifestText(text, { manifestDir = '.', assetsDirs = [] } = {}) {
  const problems = [];
  let checks = 0;
  const check = (ok, message) => {
    checks++;
    if (!ok) problems.push(message);
    return ok;
  };
  const at = (el) => (el?.line ? ` (line ${el.line})` : '');

  let doc;
  try {
    doc = parseXml(text);
  } catch (err) {
    check(false, `not well-formed XML at line ${err.line}, column ${err.column}: ${err.message}`);
    return { checks, problems };
  }
  check(true, '');

  const root = doc.children[0];
  if (!check(root?.local === 'OfficeApp', `the root element must be <OfficeApp>, found <${root?.name}>`)) return { checks, problems };
  check(root.attrs['xsi:type'] === 'MailApp', `<OfficeApp> must have xsi:type="MailApp", found "${root.attrs['xsi:type'] ?? ''}"`);
  check(
    root.attrs.xmlns === 'http://schemas.microsoft.com/office/appforoffice/1.1',
    `<OfficeApp> must use the namespace http://schemas.microsoft.com/office/appforoffice/1.1, found "${root.attrs.xmlns ?? ''}"`,
  );

  // --- top-level elements: known, present, in schema order, not repeated ---
  const top = root.children;
  for (const el of top) check(OFFICE_APP_ORDER.includes(el.local), `<${el.name}>${at(el)} is not a valid child of a MailApp <OfficeApp>`);
  for (const name of REQUIRED)
    check(
      top.some((el) => el.local === name),
      `<${name}> is missing from <OfficeApp>`,
    );
  checkOrder(top, OFFICE_APP_ORDER, 'OfficeApp', check, at);

  // --- identity ---
  const id = textOf(firstChild(root, 'Id'));
  check(GUID.test(id), `<Id> must be a GUID such as 28df222f-5418-4599-a8f1-6b17941fcaa7, found "${id}"`);
  const version = textOf(firstChild(root, 'Version'));
  check(VERSION.test(version), `<Version> must look like 1.0, 1.0.0 or 1.0.0.0 (numbers only), found "${version}"`);
  const permissions = textOf(firstChild(root, 'Permissions'));
  check(PERMISSIONS.includes(permissions), `<Permissions> must be one of ${PERMISSIONS.join(', ')}, found "${permissions}"`);
  for (const name of ['ProviderName', 'DefaultLocale']) {
    const el = firstChild(root, name);
    if (el) check(textOf(el) !== '', `<${name}>${at(el)} is empty`);
  }
  for (const name of ['DisplayName', 'Description']) {
    const el = firstChild(root, name);
    if (el) check((el.attrs.DefaultValue ?? '').trim() !== '', `<${name}>${at(el)} needs a non-empty DefaultValue`);
  }

  // --- VersionOverrides structure ---
  const vos = [...walk(root)].filter((el) => el.local === 'VersionOverrides');
  for (const vo of vos) {
    const type = vo.attrs['xsi:type'];
    if (check(type in VO_ORDER, `<VersionOverrides>${at(vo)} has an unknown xsi:type "${type ?? ''}"`)) {
      for (const el of vo.children)
        check(VO_ORDER[type].includes(el.local), `<${el.name}>${at(el)} is not a valid child of <VersionOverrides xsi:type="${type}">`);
      checkOrder(vo.children, VO_ORDER[type], `VersionOverrides ${type}`, check, at);
    }
  }

  for (const el of walk(root)) {
    const order = NESTED_ORDER[`${el.local}[${el.attrs['xsi:type']}]`] ?? NESTED_ORDER[el.local];
    if (!order || !ancestor(el, 'VersionOverrides')) continue;
    const name = el.attrs['xsi:type'] ? `${el.local} xsi:type="${el.attrs['xsi:type']}"` : el.local;
    for (const c of el.children) check(order.includes(c.local), `<${c.name}>${at(c)} is not a valid child of <${name}>`);
    checkOrder(el.children, order, name, check, at);
  }

  // --- function commands: a FunctionName, and a FunctionFile to find it in ---
  for (const el of walk(root)) {
    if (el.local !== 'Action' || el.attrs['xsi:type'] !== 'ExecuteFunction') continue;
    check(textOf(firstChild(el, 'FunctionName')) !== '', `<Action xsi:type="ExecuteFunction">${at(el)} needs a non-empty <FunctionName>`);
    const form = ancestor(el, 'DesktopFormFactor') ?? ancestor(el, 'MobileFormFactor');
    check(!!form && !!firstChild(form, 'FunctionFile'), `<Action xsi:type="ExecuteFunction">${at(el)} needs a <FunctionFile> in its form factor`);
  }

  // --- resources: every resid resolves, in the right collection ---
  const defined = { 'bt:Images': new Map(), 'bt:Urls': new Map(), 'bt:ShortStrings': new Map(), 'bt:LongStrings': new Map() };
  for (const vo of vos) {
    for (const resources of childrenNamed(vo, 'Resources')) {
      for (const collection of resources.children) {
        const ids = defined[collection.name];
        if (!check(!!ids, `<${collection.name}>${at(collection)} is not a known resource collection (bt:Images, bt:Urls, bt:ShortStrings, bt:LongStrings)`))
          continue;
        for (const item of collection.children) {
          const rid = item.attrs.id ?? '';
          check(rid !== '', `a <${item.name}>${at(item)} in <${collection.name}> has no id`);
          check(!ids.has(rid), `resource id "${rid}"${at(item)} is defined twice in <${collection.name}>`);
          check(rid.length <= 32, `resource id "${rid}"${at(item)} is longer than 32 characters`);
          check((item.attrs.DefaultValue ?? '').trim() !== '', `resource "${rid}"${at(item)} in <${collection.name}> has no DefaultValue`);
          ids.set(rid, item);
        }
      }
    }
  }
  const imageSizesNeeded = new Map(); // resid -> Set of sizes it is shown at
  for (const el of walk(root)) {
    if (!('resid' in el.attrs)) continue;
    const resid = el.attrs.resid;
    const kind = RESOURCE_KIND[el.local];
    const owner = ancestorWithId(el);
    const where = owner ? `<${el.local}> in ${owner.local} "${owner.attrs.id}"` : `<${el.local}>`;
    if (!check(!!kind, `resid "${resid}"${at(el)} is on <${el.name}>, which does not take a resource reference`)) continue;
    if (check(defined[kind].has(resid), `resid "${resid}" is referenced by ${where}${at(el)} but not defined in <${kind}>`) && kind === 'bt:Images') {
      const size = Number(el.attrs.size);
      if (check(Number.isInteger(size) && size > 0, `<bt:Image resid="${resid}">${at(el)} needs a size attribute (16, 32 or 80)`)) {
        if (!imageSizesNeeded.has(resid)) imageSizesNeeded.set(resid, new Set());
        imageSizesNeeded.get(resid).add(size);
      }
    }
  }
  for (const [kind, ids] of Object.entries(defined)) {
    for (const [rid, item] of ids) {
      const used = [...walk(root)].some((el) => el.attrs.resid === rid && RESOURCE_KIND[el.local] === kind);
      check(used, `resource "${rid}"${at(item)} in <${kind}> is defined but never referenced`);
    }
  }

  // --- URLs: https, and on the add-in's own origin or an AppDomain ---
  const appDomains = new Set();
  for (const el of childrenNamed(firstChild(root, 'AppDomains') ?? { children: [] }, 'AppDomain')) {
    const url = safeUrl(textOf(el));
    if (check(url?.protocol === 'https:', `<AppDomain>${at(el)} "${textOf(el)}" must be an https URL`)) appDomains.add(url.origin);
  }
  const sourceEl = [...walk(firstChild(root, 'FormSettings') ?? { children: [] })].find((el) => el.local === 'SourceLocation');
  const sourceUrl = safeUrl(sourceEl?.attrs.DefaultValue);
  check(!!sourceUrl, `<FormSettings> needs a <SourceLocation DefaultValue="https://..."> for the task pane`);
  const allowed = new Set(appDomains);
  if (sourceUrl) allowed.add(sourceUrl.origin);

  const urlElements = new Set(['IconUrl', 'HighResolutionIconUrl', 'SupportUrl', 'SourceLocation', 'Image', 'Url']);
  const iconFiles = []; // [url, expected size, label, el]
  for (const el of walk(root)) {
    if (!urlElements.has(el.local) || !('DefaultValue' in el.attrs)) continue;
    const raw = el.attrs.DefaultValue;
    const label = el.attrs.id ? `<${el.name} id="${el.attrs.id}">` : `<${el.name}>`;
    const url = safeUrl(raw);
    if (!check(!!url, `${label}${at(el)} has an invalid URL "${raw}"`)) continue;
    check(url.protocol === 'https:', `${label}${at(el)} URL "${raw}" must use https`);
    check(allowed.has(url.origin), `${label}${at(el)} URL "${raw}" is on ${url.origin}, which is neither the task pane's origin nor listed in <AppDomains>`);
    if (el.local === 'IconUrl') iconFiles.push([url, [64], label, el]);
    if (el.local === 'HighResolutionIconUrl') iconFiles.push([url, [128], label, el]);
    if (el.local === 'Image') iconFiles.push([url, [...(imageSizesNeeded.get(el.attrs.id) ?? [])], label, el]);
    for (const o of childrenNamed(el, 'Override')) {
      const ov = safeUrl(o.attrs.Value);
      check(ov?.protocol === 'https:', `<Override>${at(o)} in ${label} URL "${o.attrs.Value ?? ''}" must use https`);
    }
  }

  // --- icons exist at the sizes named ---
  for (const [url, sizes, label, el] of iconFiles) {
    if (sourceUrl && url.origin !== sourceUrl.origin) continue; // hosted elsewhere: cannot be checked offline
    const file = findAsset(url, manifestDir, assetsDirs);
    if (!check(!!file, `icon ${url.pathname} for ${label}${at(el)} does not exist (looked in ${manifestDir}${['', ...assetsDirs].join(', ')})`)) continue;
    const dims = pngSize(readFileSync(file));
    if (!check(!!dims, `icon ${file} for ${label} is not a PNG`)) continue;
    for (const size of sizes) {
      check(dims.width === size && dims.height === size, `icon ${file} for ${label} is ${dims.width}x${dims.height} but must be ${size}x${size}`);
    }
  }

  checkMultiSelect(root, check, at);
  checkSharedFolders(root, check, at);
  checkMobile(root, check, at);
  return { checks, problems };
}

/**
 * Multi-select (Mailbox 1.13) is defined in VersionOverrides 1.1 and only on desktop form factors. Its
 * VersionOverrides may ask for less than 1.13 (so that phones, at Mailbox 1.5, still load the add-in),
 * and then only on a manifest that also serves phones: a desktop-only add-in asks for 1.13 outright.
 */
function checkMultiSelect(root, check, at) {
  for (const el of walk(root)) {
    if (el.local !== 'SupportsMultiSelect' || textOf(el) !== 'true') continue;
    const vo = ancestor(el, 'VersionOverrides');
    const min = vo ? mailboxMinVersion(vo) : undefined;
    check(
      !ancestor(el, 'MobileFormFactor'),
      `<SupportsMultiSelect>${at(el)} is not available on phones (MobileFormFactor): Outlook on iOS and Android select one mail`,
    );
    const servesPhones = !!vo && [...walk(vo)].some((e) => e.local === 'MobileFormFactor');
    check(
      vo?.attrs['xsi:type'] === 'VersionOverridesV1_1' && min && (servesPhones || compareVersions(min, MULTI_SELECT_MIN) >= 0),
      `<SupportsMultiSelect>${at(el)} needs a VersionOverridesV1_1 whose <Requirements> ask for Mailbox 1.13 or later (found ${min ? min.join('.') : 'none'}), or one that also serves phones`,
    );
  }
}

/** SupportsSharedFolders ("SupportsSharedFolders element", Mailbox 1.8): true or false, on a desktop form factor only (the order check places it). */
function checkSharedFolders(root, check, at) {
  for (const el of walk(root)) {
    if (el.local !== 'SupportsSharedFolders') continue;
    check(['true', 'false'].includes(textOf(el)), `<SupportsSharedFolders>${at(el)} must be true or false, found "${textOf(el)}"`);
    check(el.parent?.local === 'DesktopFormFactor', `<SupportsSharedFolders>${at(el)} belongs in <DesktopFormFactor>`);
  }
}

/** MobileFormFactor ("MobileFormFactor element", "Icon element", "Control element" MobileButton). */
function checkMobile(root, check, at) {
  for (const form of walk(root)) {
    if (form.local !== 'MobileFormFactor') continue;
    const vo = ancestor(form, 'VersionOverrides');
    check(vo?.attrs['xsi:type'] === 'VersionOverridesV1_1', `<MobileFormFactor>${at(form)} is defined in VersionOverrides 1.1 only`);
    const min = vo ? mailboxMinVersion(vo) : undefined;
    check(
      !min || compareVersions(min, MOBILE_MAILBOX_MAX) <= 0,
      `<MobileFormFactor>${at(form)} is never loaded: its VersionOverrides asks for Mailbox ${min?.join('.')}, above the 1.5 Outlook on iOS and Android load commands at`,
    );
    const points = childrenNamed(form, 'ExtensionPoint');
    check(points.length > 0, `<MobileFormFactor>${at(form)} needs at least one <ExtensionPoint>`);
    for (const p of points)
      check(
        MOBILE_EXTENSION_POINTS.includes(p.attrs['xsi:type']),
        `<ExtensionPoint xsi:type="${p.attrs['xsi:type'] ?? ''}">${at(p)} is not a mobile extension point`,
      );
    for (const el of walk(form)) {
      if (el.local === 'Control') check(el.attrs['xsi:type'] === 'MobileButton', `<Control>${at(el)} in <MobileFormFactor> must have xsi:type="MobileButton"`);
      if (el.local === 'Icon') checkMobileIcon(el, check, at);
    }
  }
}

function checkMobileIcon(icon, check, at) {
  check(icon.attrs['xsi:type'] === 'bt:MobileIconList', `<Icon>${at(icon)} in <MobileFormFactor> must have xsi:type="bt:MobileIconList"`);
  const have = new Set(childrenNamed(icon, 'Image').map((img) => `${img.attrs.size}@${img.attrs.scale}`));
  for (const size of MOBILE_ICON_SIZES)
    for (const scale of MOBILE_ICON_SCALES)
      check(have.has(`${size}@${scale}`), `<Icon>${at(icon)} in <MobileFormFactor> needs a size="${size}" image at scale="${scale}"`);
}

function checkOrder(children, order, parentName, check, at) {
  let last = -1;
  let lastEl;
  for (const el of children) {
    const i = order.indexOf(el.local);
    if (i === -1) continue; // reported as unknown elsewhere
    if (i === last) check(false, `<${el.local}>${at(el)} appears more than once in <${parentName}>`);
    else check(i > last, `<${el.local}>${at(el)} is out of order in <${parentName}>: it must come before <${lastEl?.local}>`);
    if (i > last) {
      last = i;
      lastEl = el;
    }
  }
}

function ancestor(el, localName) {
  for (let p = el.parent; p; p = p.parent) if (p.local === localName) return p;
  return undefined;
}
function ancestorWithId(el) {
  for (let p = el.parent; p; p = p.parent) if (p.attrs?.id && p.local !== 'Icon') return p;
  return undefined;
}

function mailboxMinVersion(vo) {
  const req = firstChild(vo, 'Requirements');
  const sets = req && firstChild(req, 'Sets');
  if (!sets) return undefined;
  const mailbox = childrenNamed(sets, 'Set').find((s) => s.attrs.Name === 'Mailbox');
  if (!mailbox) return undefined;
  return parseVersion(mailbox.attrs.MinVersion ?? sets.attrs.DefaultMinVersion);
}

function safeUrl(raw) {
  try {
    return new URL(String(raw ?? '').trim());
  } catch {
    return undefined;
  }
}

function findAsset(url, manifestDir, assetsDirs) {
  const rel = decodeURIComponent(url.pathname).replace(/^\/+/, '');
  // By path first; then by file name in <manifestDir>/assets and the given folders, for base URLs with a path prefix.
  const candidates = [join(manifestDir, rel), ...[join(manifestDir, 'assets'), ...assetsDirs].map((d) => join(d, basename(rel)))];
  return candidates.find((c) => existsSync(c));
}

/** Validates a manifest file. */
export function validateManifestFile(file, { assetsDirs = [] } = {}) {
  return validateManifestText(readFileSync(file, 'utf8'), { manifestDir: dirname(file), assetsDirs });
}
