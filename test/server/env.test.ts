/** The environment schema: each variable's check and words, its default, and the deployment guide's table of them. */
import fs from 'node:fs';
import path from 'node:path';
import { ConfigError, loadConfig } from '../../src/server/config';
import { EnvSchema } from '../../src/server/env';

const LOCAL = { AUTH_LOCAL_ISSUER: '1' };

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig({ ...LOCAL, ...env });
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  return [];
}

/** The rows of docs/deployment.md's adapter configuration table: variable → its Default cell. */
function documentedVariables(): Map<string, string> {
  const doc = fs.readFileSync(path.join(__dirname, '../../docs/deployment.md'), 'utf8');
  const table = doc.slice(doc.indexOf('### Configuration'), doc.indexOf('A production environment file'));
  const rows = new Map<string, string>();
  for (const m of table.matchAll(/^\|\s*`([A-Z_]+)`\s*\|([^|]*)\|/gm)) rows.set(m[1], m[2].trim());
  return rows;
}

describe('environment schema', () => {
  it('says what is wrong with each bad value, in the words the adapter has always used', () => {
    const problems = problemsOf({
      PORT: '0x10',
      AUTH_LOCAL_ISSUER_PORT: '3.5',
      BODY_LIMIT: '1e3',
      DEMO_DATA: 'maybe',
      REZI_WEB_URL: 'ftp://rezi.example/',
      LOG_LEVEL: 'LOUD',
      ALLOWED_ORIGINS: 'https://addin.example.co.uk, addin.example.co.uk',
      ALLOWED_HOSTS: 'ok.example.co.uk,Bad_Host!',
    });
    // The same words, one per bad value; their order follows the schema.
    expect([...problems].sort()).toEqual(
      [
        'PORT must be a whole number from 0 to 65535 (it is "0x10").',
        'ALLOWED_ORIGINS must be a comma-separated list of origins such as https://localhost:3000 ("addin.example.co.uk" is not one).',
        'ALLOWED_HOSTS must list host names such as rezi-adapter.example.co.uk ("bad_host!" is not one).',
        'AUTH_LOCAL_ISSUER_PORT must be a whole number from 0 to 65535 (it is "3.5").',
        'REZI_WEB_URL must be a full https or http URL (it is "ftp://rezi.example/").',
        'DEMO_DATA must be 1 or 0 (it is "maybe").',
        'LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent (it is "loud").',
        'BODY_LIMIT must be a whole number from 1024 to 52428800 (it is "1e3").',
      ].sort(),
    );
  });

  it('checks every issuer of the list, {tenantid} standing for a tenant', () => {
    const problems = problemsOf({ AUTH_LOCAL_ISSUER: '0', AUTH_AUDIENCE: 'api://x', AUTH_ISSUERS: 'https://a.example/{tenantid}/v2.0 mailto:{tenantid}' });
    expect(problems).toContain('AUTH_ISSUERS must be a full https or http URL (it is "mailto:tenant").');
    expect(problems.filter((p) => p.startsWith('AUTH_ISSUERS must'))).toHaveLength(1);
  });

  it('reads flags, lists and numbers as an operator writes them; blanks are unset', () => {
    const c = loadConfig({
      AUTH_LOCAL_ISSUER: ' Yes ',
      DEMO_DATA: 'ON',
      PORT: ' 8080 ',
      HOST: '   ',
      ALLOWED_ORIGINS: 'https://a.example/ https://b.example:8443/',
      ALLOWED_HOSTS: 'Rezi.Example.co.uk:443',
      TRUST_PROXY: '2',
    });
    expect(c).toMatchObject({
      port: 8080,
      host: '127.0.0.1',
      demoData: true,
      allowedOrigins: ['https://a.example', 'https://b.example:8443'],
      allowedHosts: ['rezi.example.co.uk:443'],
      trustProxy: 2,
    });
    expect(c.auth.localIssuer).toBe(true);
    expect(loadConfig({ ...LOCAL, TRUST_PROXY: 'off' }).trustProxy).toBe(false);
    expect(loadConfig({ ...LOCAL, TRUST_PROXY: '127.0.0.1' }).trustProxy).toBe('127.0.0.1');
  });

  it('takes the store from DATABASE_URL (postgres:// only, its password never echoed) with a bounded pool', () => {
    expect(loadConfig(LOCAL)).toMatchObject({ databaseUrl: undefined, databasePoolSize: 10 });
    const url = 'postgres://rezi:s3cret@db.internal:5432/rezi';
    expect(loadConfig({ ...LOCAL, DATABASE_URL: url, DATABASE_POOL_SIZE: '25' })).toMatchObject({ databaseUrl: url, databasePoolSize: 25 });
    expect(loadConfig({ ...LOCAL, DATABASE_URL: 'postgresql://db/rezi' }).databaseUrl).toBe('postgresql://db/rezi');
    const problems = problemsOf({ ...LOCAL, DATABASE_URL: 'mysql://rezi:s3cret@db/rezi', DATABASE_POOL_SIZE: '0' });
    expect(problems).toEqual([
      'DATABASE_URL must be a postgres:// URL, e.g. postgres://rezi@db.internal:5432/rezi.',
      'DATABASE_POOL_SIZE must be a whole number from 1 to 1000 (it is "0").',
    ]);
    expect(problems.join('\n')).not.toContain('s3cret');
  });

  it('is the table in docs/deployment.md: the same variables, with the same defaults', () => {
    const documented = documentedVariables();
    expect([...documented.keys()].sort()).toEqual(Object.keys(EnvSchema.properties).sort());
    for (const [name, schema] of Object.entries(EnvSchema.properties)) {
      const fallback = (schema as { default?: string }).default;
      if (fallback !== undefined) expect([name, documented.get(name)]).toEqual([name, `\`${fallback}\``]);
      else expect([name, documented.get(name)]).not.toEqual([name, expect.stringMatching(/^`[^`$]*`$/)]);
    }
  });
});
