import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

// The production build itself is too slow for the unit suite; this checks the config's wiring instead:
// the manifest transform and the build-time constants the pages read.
const ROOT = resolve(__dirname, '../..');
const MANIFEST = readFileSync(resolve(ROOT, 'manifest.xml'), 'utf8');
const ENV_KEYS = ['ADDIN_BASE_URL', 'REZI_CLIENT_ID', 'REZI_ADAPTER_URL', 'OFFICE_JS_URL'] as const;

type Pattern = { from: string; to: string; transform?: (content: Buffer) => string };
type Config = {
  output: { filename: string };
  plugins: Array<{
    constructor: { name: string };
    definitions?: Record<string, string>;
    patterns?: Pattern[];
    userOptions?: { filename?: string; templateParameters?: { officeJsUrl: string } };
  }>;
  devServer: { port: number; server: string };
};

function loadConfig(mode: 'production' | 'development', env: Partial<Record<(typeof ENV_KEYS)[number], string>> = {}): Config {
  const saved = Object.fromEntries(ENV_KEYS.map((k) => [k, process.env[k]]));
  for (const k of ENV_KEYS) delete process.env[k];
  Object.assign(process.env, env);
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const factory = require('../../webpack.config.js') as (env: object, argv: { mode: string }) => Config;
    return factory({}, { mode });
  } finally {
    for (const k of ENV_KEYS) {
      if (saved[k] === undefined) delete process.env[k];
      else process.env[k] = saved[k];
    }
  }
}

function manifestTransform(config: Config): (xml: string) => string {
  const copy = config.plugins.find((p) => p.constructor.name === 'CopyPlugin');
  const pattern = copy?.patterns?.find((p) => p.from === 'manifest.xml');
  expect(pattern?.to).toBe('manifest.xml');
  return (xml) => pattern!.transform!(Buffer.from(xml));
}

test('production: dist/manifest.xml gets ADDIN_BASE_URL and no localhost; bundles are content-hashed', () => {
  const config = loadConfig('production', { ADDIN_BASE_URL: 'https://outlook.rezi.example/' });
  const out = manifestTransform(config)(MANIFEST);
  expect(out).not.toContain('localhost');
  expect(out).toContain('DefaultValue="https://outlook.rezi.example/taskpane.html"');
  expect(config.output.filename).toContain('[contenthash');
});

test('development: the manifest keeps the dev server URLs', () => {
  const out = manifestTransform(loadConfig('development'))(MANIFEST);
  expect(out).toContain('https://localhost:3000/taskpane.html');
});

test('REZI_CLIENT_ID replaces the WebApplicationInfo placeholder; a non-GUID is refused', () => {
  const id = '3f2504e0-4f89-11d3-9a0c-0305e82c3301';
  const out = manifestTransform(loadConfig('production', { REZI_CLIENT_ID: id }))(MANIFEST);
  expect(out).toContain(`<Id>${id}</Id>`);
  expect(out).not.toContain('00000000-0000-0000-0000-000000000000');
  expect(() => manifestTransform(loadConfig('production', { REZI_CLIENT_ID: 'my-app' }))(MANIFEST)).toThrow(/must be the app registration's client ID/);
});

test('a bad ADDIN_BASE_URL stops the build with a clear message', () => {
  expect(() => loadConfig('production', { ADDIN_BASE_URL: 'http://outlook.rezi.example/' })).toThrow(/ADDIN_BASE_URL .* must use https/);
});

test('build-time constants and the office.js URL come from the environment, with defaults', () => {
  const defaults = loadConfig('production');
  const define = defaults.plugins.find((p) => p.constructor.name === 'DefinePlugin')!.definitions!;
  expect(define['process.env.REZI_ADAPTER_URL']).toBe(JSON.stringify('http://localhost:3001'));
  expect(define['process.env.APP_VERSION']).toBe(JSON.stringify(JSON.parse(readFileSync(resolve(ROOT, 'package.json'), 'utf8')).version));
  const pages = defaults.plugins.filter((p) => p.constructor.name === 'HtmlWebpackPlugin');
  // Every page Office loads (task pane, function file, sign-in dialog) takes office.js from the same place.
  expect(pages.map((p) => p.userOptions!.filename)).toEqual(['taskpane.html', 'commands.html', 'auth-dialog.html', 'redirect.html']);
  const officePages = pages.filter((p) => p.userOptions!.filename !== 'redirect.html');
  expect(officePages.map((p) => p.userOptions!.templateParameters!.officeJsUrl)).toEqual(
    Array(3).fill('https://appsforoffice.microsoft.com/lib/1/hosted/office.js'),
  );
  // MSAL 5's redirect bridge page runs only broadcastResponseToMainFrame: no Office.js, no other chunk.
  expect(pages.find((p) => p.userOptions!.filename === 'redirect.html')!.userOptions).toMatchObject({ chunks: ['redirect'] });

  const custom = loadConfig('development', { REZI_ADAPTER_URL: 'http://127.0.0.1:4000', OFFICE_JS_URL: '/office.js' });
  expect(custom.plugins.find((p) => p.constructor.name === 'DefinePlugin')!.definitions!['process.env.REZI_ADAPTER_URL']).toBe('"http://127.0.0.1:4000"');
  expect(
    custom.plugins
      .filter((p) => p.constructor.name === 'HtmlWebpackPlugin' && p.userOptions!.filename !== 'redirect.html')
      .map((p) => p.userOptions!.templateParameters!.officeJsUrl),
  ).toEqual(Array(3).fill('/office.js'));
  expect(custom.devServer).toMatchObject({ port: 3000, server: 'https' });
});
