/**
 * The e2e project: real Chromium (Debian's /usr/bin/chromium via playwright-core) against the built
 * task pane, the adapter, the Graph stand-in and Dovecot. Run with `npm run test:e2e`.
 * @type {import('jest').Config}
 */
const base = require('../../jest.config.js');

module.exports = {
  rootDir: '../..',
  testEnvironment: 'node',
  transform: base.transform,
  transformIgnorePatterns: base.transformIgnorePatterns,
  testMatch: ['<rootDir>/test/e2e/**/*.e2e.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/', '<rootDir>/test/e2e/.dist/'],
  globalSetup: '<rootDir>/test/e2e/support/global-setup.js',
  maxWorkers: 1,
  testTimeout: 120000,
  verbose: true,
};
