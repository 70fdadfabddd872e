/** @type {import('jest').Config} */
const swc = [
  '@swc/jest',
  {
    jsc: { parser: { syntax: 'typescript', tsx: true }, target: 'es2022', transform: { react: { runtime: 'automatic' } } },
    module: { type: 'commonjs' },
  },
];

module.exports = {
  testEnvironment: 'node',
  transform: { '^.+\\.(t|j)sx?$': swc },
  // email-addresses and friends ship CommonJS; only our TypeScript needs transforming, and the
  // ES-module-only parser under sanitize-html (Node loads it with require(esm); jest's runtime cannot).
  transformIgnorePatterns: ['/node_modules/(?!(htmlparser2|domhandler|domutils|dom-serializer|entities|domelementtype)/)'],
  testMatch: ['<rootDir>/test/**/*.test.ts', '<rootDir>/test/**/*.test.tsx'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/', '<rootDir>/test/e2e/'],
  // Every layer with logic is gated, not core alone. The pane's React views (src/taskpane) are measured
  // by their own tests and the Chromium e2e; redirect.ts and the CLI run in a browser page or a child process.
  collectCoverageFrom: ['src/{core,graph,outlook,client,server}/**/*.ts'],
  coverageThreshold: {
    './src/core/': { lines: 90 },
    './src/graph/': { lines: 90 },
    './src/outlook/': { lines: 90 },
    './src/client/': { lines: 90 },
    './src/server/': { lines: 90 },
  },
  testTimeout: 30000,
  // REZI_TEST_STORE=postgres: one PostgreSQL for the run (jest.postgres.config.js); otherwise these do nothing.
  globalSetup: '<rootDir>/test/support/postgres-setup.ts',
  globalTeardown: '<rootDir>/test/support/postgres-teardown.ts',
};
