/** Jest config for the fault soak driver (npm run test:faults): same swc transform as jest.config.js. */
const base = require('../../jest.config.js');

/** @type {import('jest').Config} */
module.exports = {
  rootDir: '../..',
  testEnvironment: 'node',
  transform: base.transform,
  transformIgnorePatterns: base.transformIgnorePatterns,
  testMatch: ['<rootDir>/test/faults/**/*.faults.ts'],
  testTimeout: 3_600_000,
};
