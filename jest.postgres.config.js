/**
 * The store and adapter integration suites a second time, on PostgreSQL (`npm run test:postgres`;
 * `npm test` runs it after the SQLite run). One server for the run, a fresh database per store a test
 * opens (test/support/postgres.ts). Not run here: tests with no store, and the SQLite-only ones below.
 * @type {import('jest').Config}
 */
const fs = require('node:fs');
const path = require('node:path');
const base = require('./jest.config');

// Read by the global setup and by every worker (they inherit the environment).
process.env.REZI_TEST_STORE = 'postgres';

/** Whether a PostgreSQL server is installed: the check dev/postgres.ts's postgresBinDir() makes, in plain JS for jest's config. */
function installed() {
  if (process.env.POSTGRES_BIN) return fs.existsSync(path.join(process.env.POSTGRES_BIN, 'initdb'));
  const root = '/usr/lib/postgresql';
  return fs.existsSync(root) && fs.readdirSync(root).some((v) => fs.existsSync(path.join(root, v, 'bin', 'initdb')));
}

if (!installed()) {
  console.warn('\n  ⚠ PostgreSQL is not installed (apt-get install postgresql): the PostgreSQL run of the store suites is SKIPPED.\n');
}

module.exports = {
  ...base,
  testMatch: installed() ? ['<rootDir>/test/server/**/*.test.ts'] : [],
  passWithNoTests: true,
  testPathIgnorePatterns: [
    ...base.testPathIgnorePatterns,
    // SQLite by nature: the WAL checkpoint worker, the prepared-statement batch insert on :memory:, the
    // built adapter's own DATA_DIR file and its modes.
    '<rootDir>/test/server/store/checkpoint.test.ts',
    '<rootDir>/test/server/store/batch-insert.test.ts',
    '<rootDir>/test/server/built-server.test.ts',
    // No store at all: the same either way.
    '<rootDir>/test/server/env.test.ts',
    '<rootDir>/test/server/imap/(crypto|preview|errors)\\.test\\.ts',
    '<rootDir>/test/server/directory/(matching|event-ids)\\.test\\.ts',
    // The IMAP servers' own behaviour (Dovecot, Cyrus, mailbox walking, the IMAP bench): slow, and the
    // store only records what they did; service.test.ts and startup.test.ts cover the IMAP store path.
    '<rootDir>/test/server/imap/(servers|cyrus|mailbox|bench)\\.test\\.ts',
    // Opens SQLite directly: its race relies on SQLite's timing; the lease itself races on both stores in
    // coordination/lease.test.ts, and two-instances.test.ts races two adapters on Dovecot.
    '<rootDir>/test/server/imap/sync-lock\\.test\\.ts',
  ],
  // Coverage is the SQLite run's gate; this run checks behaviour.
  coverageThreshold: undefined,
};
