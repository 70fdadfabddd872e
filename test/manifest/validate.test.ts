import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { rewriteManifestUrls, productionBaseUrl } = require('../../scripts/manifest-urls.cjs') as {
  rewriteManifestUrls: (xml: string, baseUrl?: string) => string;
  productionBaseUrl: (raw?: string) => string;
};

const ROOT = resolve(__dirname, '../..');
const SCRIPT = join(ROOT, 'scripts/validate-manifest.mjs');
const MANIFEST = readFileSync(join(ROOT, 'manifest.xml'), 'utf8');
const ICONS = ['icon-16.png', 'icon-25.png', 'icon-32.png', 'icon-48.png', 'icon-64.png', 'icon-80.png', 'icon-128.png'];

let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'manifest-'));
  mkdirSync(join(dir, 'assets'));
  for (const icon of ICONS) copyFileSync(join(ROOT, 'assets', icon), join(dir, 'assets', icon));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function validate(xml: string): { code: number | null; out: string } {
  const file = join(dir, 'manifest.xml');
  writeFileSync(file, xml);
  const r = spawnSync(process.execPath, [SCRIPT, file], { encoding: 'utf8' });
  return { code: r.status, out: r.stdout + r.stderr };
}

/** Replaces exactly one occurrence, so a test cannot silently stop exercising what it claims to. */
function edit(xml: string, from: string, to: string): string {
  expect(xml.split(from)).toHaveLength(2);
  return xml.replace(from, to);
}

describe('validate-manifest', () => {
  test('the repository manifest.xml passes', () => {
    const out = execFileSync(process.execPath, [SCRIPT, join(ROOT, 'manifest.xml')], { encoding: 'utf8' });
    expect(out).toMatch(/manifest\.xml is valid \(\d+ checks\)/);
  });

  test('an unedited copy passes, so each failure below is caused by its edit', () => {
    expect(validate(MANIFEST)).toEqual({ code: 0, out: expect.stringContaining('is valid') });
  });

  test('a missing resid is named with the control that uses it and the collection it belongs in', () => {
    const r = validate(edit(MANIFEST, '<bt:String id="Sync.Label" DefaultValue="Sync to Rezi"/>', ''));
    expect(r.code).toBe(1);
    expect(r.out).toContain('resid "Sync.Label" is referenced by <Label> in Control "SyncButton"');
    expect(r.out).toContain('not defined in <bt:ShortStrings>');
  });

  test('a resid defined in the wrong collection is reported', () => {
    const xml = edit(MANIFEST, '<bt:Url id="Taskpane.Url"', '<bt:Url id="Taskpane.Wrong"');
    const r = validate(
      edit(
        xml,
        '<bt:String id="Group.Label" DefaultValue="Rezi"/>',
        '<bt:String id="Group.Label" DefaultValue="Rezi"/><bt:String id="Taskpane.Url" DefaultValue="x"/>',
      ),
    );
    expect(r.code).toBe(1);
    expect(r.out).toContain('resid "Taskpane.Url" is referenced by <SourceLocation> in Control "SyncButton"');
    expect(r.out).toContain('not defined in <bt:Urls>');
  });

  test('an http URL is rejected', () => {
    const r = validate(edit(MANIFEST, '"https://localhost:3000/commands.html"', '"http://localhost:3000/commands.html"'));
    expect(r.code).toBe(1);
    expect(r.out).toContain('<bt:Url id="Commands.Url"> (line');
    expect(r.out).toContain('URL "http://localhost:3000/commands.html" must use https');
  });

  test('a URL on a domain that is not in AppDomains is rejected', () => {
    const r = validate(edit(MANIFEST, 'https://localhost:3000/help.html', 'https://support.elsewhere.example/help'));
    expect(r.code).toBe(1);
    expect(r.out).toContain('<SupportUrl> (line');
    expect(r.out).toContain("is on https://support.elsewhere.example, which is neither the task pane's origin nor listed in <AppDomains>");
  });

  test('a missing icon file is reported with the URL path', () => {
    rmSync(join(dir, 'assets', 'icon-80.png'));
    const r = validate(MANIFEST);
    expect(r.code).toBe(1);
    expect(r.out).toContain('icon /assets/icon-80.png for <bt:Image id="Icon.80x80">');
    expect(r.out).toContain('does not exist');
  });

  test('an icon of the wrong size is reported with both sizes', () => {
    copyFileSync(join(ROOT, 'assets', 'icon-16.png'), join(dir, 'assets', 'icon-32.png'));
    const r = validate(MANIFEST);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/icon-32\.png for <bt:Image id="Icon\.32x32"> is 16x16 but must be 32x32/);
  });

  test('the IconUrl must be 64x64', () => {
    const r = validate(edit(MANIFEST, 'assets/icon-64.png', 'assets/icon-80.png'));
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/icon-80\.png for <IconUrl> is 80x80 but must be 64x64/);
  });

  test('malformed XML is reported with its line number', () => {
    const r = validate(edit(MANIFEST, '<ProviderName>Dezrez</ProviderName>', '<ProviderName>Dezrez</Provider>'));
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/not well-formed XML at line 6, column \d+/);
  });

  test('a bad GUID is rejected', () => {
    const r = validate(edit(MANIFEST, '<Id>28df222f-5418-4599-a8f1-6b17941fcaa7</Id>', '<Id>rezi-email-sync</Id>'));
    expect(r.code).toBe(1);
    expect(r.out).toContain('<Id> must be a GUID');
    expect(r.out).toContain('found "rezi-email-sync"');
  });

  test('a bad version is rejected', () => {
    const r = validate(edit(MANIFEST, '<Version>0.1.0.0</Version>', '<Version>0.1.0-beta</Version>'));
    expect(r.code).toBe(1);
    expect(r.out).toContain('<Version> must look like 1.0, 1.0.0 or 1.0.0.0');
  });

  test('elements out of schema order are reported', () => {
    const permissions = '  <Permissions>ReadWriteMailbox</Permissions>\n';
    const xml = edit(edit(MANIFEST, permissions, ''), '  <FormSettings>', permissions + '  <FormSettings>');
    const r = validate(xml);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/<FormSettings> \(line \d+\) is out of order in <OfficeApp>: it must come before <Permissions>/);
  });

  test('ribbon button children out of schema order are reported', () => {
    const pinning = '<SupportsPinning>true</SupportsPinning>';
    const multi = '<SupportsMultiSelect>true</SupportsMultiSelect>';
    const r = validate(edit(MANIFEST, `${pinning}\n                      ${multi}`, `${multi}\n                      ${pinning}`));
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/<SupportsPinning> \(line \d+\) is out of order in <Action xsi:type="ShowTaskpane">: it must come before <SupportsMultiSelect>/);
  });

  test('a function command without a FunctionName is reported', () => {
    const r = validate(edit(MANIFEST, '<FunctionName>syncSelectedToRezi</FunctionName>', '<FunctionName></FunctionName>'));
    expect(r.code).toBe(1);
    expect(r.out).toContain('<Action xsi:type="ExecuteFunction"> (line');
    expect(r.out).toContain('needs a non-empty <FunctionName>');
  });

  test('SupportsMultiSelect on a function command is rejected: it is valid on ShowTaskpane only', () => {
    const r = validate(
      edit(
        MANIFEST,
        '<FunctionName>syncSelectedToRezi</FunctionName>',
        '<FunctionName>syncSelectedToRezi</FunctionName><SupportsMultiSelect>true</SupportsMultiSelect>',
      ),
    );
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/<SupportsMultiSelect> \(line \d+\) is not a valid child of <Action xsi:type="ExecuteFunction">/);
  });

  test('the function command does not claim the selection: it files the open email and hands the rest to the pane', () => {
    expect(MANIFEST).not.toMatch(/QuickSync\.Tooltip" DefaultValue="[^"]*selected/);
    expect(MANIFEST).toMatch(/QuickSync\.Tooltip" DefaultValue="[^"]*open email/);
  });

  test('a missing required element is reported', () => {
    const r = validate(edit(MANIFEST, '  <DefaultLocale>en-GB</DefaultLocale>\n', ''));
    expect(r.code).toBe(1);
    expect(r.out).toContain('<DefaultLocale> is missing from <OfficeApp>');
  });

  test('an invalid Permissions value is rejected', () => {
    const r = validate(edit(MANIFEST, '<Permissions>ReadWriteMailbox</Permissions>', '<Permissions>FullAccess</Permissions>'));
    expect(r.code).toBe(1);
    expect(r.out).toContain('<Permissions> must be one of Restricted, ReadItem, ReadWriteItem, ReadWriteMailbox, found "FullAccess"');
  });

  /** The manifest without its phone commands: a desktop-only add-in. */
  const withoutMobile = (xml: string) => xml.replace(/\s*<!-- Outlook on iOS and Android[^]*?<\/MobileFormFactor>/, '');

  test('SupportsMultiSelect without Mailbox 1.13 is rejected where no phone needs the lower minimum', () => {
    const desktopOnly = withoutMobile(MANIFEST);
    expect(desktopOnly).not.toContain('MobileFormFactor');
    const r = validate(desktopOnly);
    expect(r.code).toBe(1);
    expect(r.out).toContain('<SupportsMultiSelect>');
    expect(r.out).toContain('Mailbox 1.13 or later (found 1.5)');
    // (Its phone-only resources are then unused, which is reported on its own.)
    expect(validate(edit(desktopOnly, 'DefaultMinVersion="1.5"', 'DefaultMinVersion="1.13"')).out).not.toContain('<SupportsMultiSelect>');
  });

  test('phones: a VersionOverrides above Mailbox 1.5 would never load on iOS or Android', () => {
    const r = validate(edit(MANIFEST, 'DefaultMinVersion="1.5"', 'DefaultMinVersion="1.13"'));
    expect(r.code).toBe(1);
    expect(r.out).toContain('is never loaded: its VersionOverrides asks for Mailbox 1.13, above the 1.5 Outlook on iOS and Android load commands at');
  });

  test('phones: icons 25, 32 and 48 at scales 1, 2 and 3 in a MobileIconList, MobileButton controls, a mobile extension point', () => {
    let r = validate(edit(MANIFEST, '<bt:Image size="48" scale="3" resid="Icon.48x48"/>', ''));
    expect(r.out).toContain('needs a size="48" image at scale="3"');
    r = validate(edit(MANIFEST, '<Icon xsi:type="bt:MobileIconList">', '<Icon>'));
    expect(r.out).toContain('must have xsi:type="bt:MobileIconList"');
    r = validate(edit(MANIFEST, '<Control xsi:type="MobileButton" id="MobileSyncButton">', '<Control xsi:type="Button" id="MobileSyncButton">'));
    expect(r.out).toContain('in <MobileFormFactor> must have xsi:type="MobileButton"');
    r = validate(edit(MANIFEST, '<ExtensionPoint xsi:type="MobileMessageReadCommandSurface">', '<ExtensionPoint xsi:type="MessageReadCommandSurface">'));
    expect(r.out).toContain('<ExtensionPoint xsi:type="MessageReadCommandSurface"> (line');
    expect(r.out).toContain('is not a mobile extension point');
    // The icons must exist at their sizes.
    rmSync(join(dir, 'assets', 'icon-48.png'));
    expect(validate(MANIFEST).out).toMatch(/icon \/assets\/icon-48.png for <bt:Image id="Icon.48x48">.*does not exist/);
  });

  test('phones: no multi-select on a mobile button, and MobileFormFactor only in VersionOverrides 1.1', () => {
    let r = validate(
      edit(
        MANIFEST,
        '<SourceLocation resid="Taskpane.Url"/>\n                  </Action>',
        '<SourceLocation resid="Taskpane.Url"/><SupportsMultiSelect>true</SupportsMultiSelect></Action>',
      ),
    );
    expect(r.out).toContain('is not available on phones (MobileFormFactor)');
    r = validate(edit(MANIFEST, 'xsi:type="VersionOverridesV1_1"', 'xsi:type="VersionOverridesV1_0"'));
    expect(r.out).toContain('is defined in VersionOverrides 1.1 only');
  });

  test('the add-in is offered in shared mailboxes and delegated folders, and asks for Mail.ReadWrite.Shared', () => {
    // "SupportsSharedFolders element": without it Outlook does not show the add-in in shared folders or mailboxes.
    expect(MANIFEST).toMatch(/<DesktopFormFactor>\s*<SupportsSharedFolders>true<\/SupportsSharedFolders>/);
    expect(MANIFEST).toContain('<Scope>Mail.ReadWrite.Shared</Scope>');
  });

  test('SupportsSharedFolders: true or false, in DesktopFormFactor only', () => {
    let r = validate(edit(MANIFEST, '<SupportsSharedFolders>true</SupportsSharedFolders>', '<SupportsSharedFolders>yes</SupportsSharedFolders>'));
    expect(r.out).toContain('<SupportsSharedFolders> (line');
    expect(r.out).toContain('must be true or false, found "yes"');
    r = validate(edit(MANIFEST, '<MobileFormFactor>', '<MobileFormFactor><SupportsSharedFolders>true</SupportsSharedFolders>'));
    expect(r.out).toContain('belongs in <DesktopFormFactor>');
    r = validate(
      edit(
        edit(MANIFEST, '<SupportsSharedFolders>true</SupportsSharedFolders>\n', ''),
        '<FunctionFile resid="Commands.Url"/>',
        '<FunctionFile resid="Commands.Url"/><SupportsSharedFolders>true</SupportsSharedFolders>',
      ),
    );
    expect(r.out).toMatch(/<SupportsSharedFolders> \(line \d+\) is out of order in <DesktopFormFactor>/);
  });

  test('every problem is listed, not just the first', () => {
    const xml = edit(edit(MANIFEST, '<Id>28df222f-5418-4599-a8f1-6b17941fcaa7</Id>', '<Id>x</Id>'), '<Permissions>ReadWriteMailbox', '<Permissions>All');
    const r = validate(xml);
    expect(r.out).toContain('<Id> must be a GUID');
    expect(r.out).toContain('<Permissions> must be one of');
    expect(r.out).toMatch(/2 problems/);
  });
});

describe('rewriteManifestUrls (production build)', () => {
  test('leaves no localhost and the result is still valid', () => {
    const out = rewriteManifestUrls(MANIFEST, 'https://addin.rezi.example/outlook/');
    expect(out).not.toMatch(/localhost/);
    expect(out).toContain('<SourceLocation DefaultValue="https://addin.rezi.example/outlook/taskpane.html"/>');
    expect(out).toContain('<bt:Image id="Icon.16x16" DefaultValue="https://addin.rezi.example/outlook/assets/icon-16.png"/>');
    expect(out).toContain('<AppDomain>https://addin.rezi.example</AppDomain>');
    expect(out).toContain('<Resource>api://addin.rezi.example/outlook/00000000-0000-0000-0000-000000000000</Resource>');
    // The base path /outlook/ is not mirrored on disk, so icons are found by file name under --assets.
    const r = spawnSync(process.execPath, [SCRIPT, writeTo(join(dir, 'manifest.xml'), out), '--assets', join(dir, 'assets')], { encoding: 'utf8' });
    expect(r.stdout + r.stderr).toContain('is valid');
    expect(r.status).toBe(0);
  });

  test('uses the documented default base URL', () => {
    expect(rewriteManifestUrls(MANIFEST)).toContain('https://rezi-sync.example.com/taskpane.html');
  });

  test('rejects a base URL that is not https or lacks the trailing slash', () => {
    expect(() => productionBaseUrl('http://rezi.example/')).toThrow(/must use https/);
    expect(() => productionBaseUrl('https://rezi.example/app')).toThrow(/must end with "\/"/);
    expect(() => productionBaseUrl('not a url')).toThrow(/is not a URL/);
  });
});

function writeTo(file: string, text: string): string {
  writeFileSync(file, text);
  return file;
}
