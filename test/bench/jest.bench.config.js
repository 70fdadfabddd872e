/** Jest config for the benchmarks (npm run bench): same swc transform as jest.config.js, one file at a time. */
const base = require('../../jest.config.js');

/** @type {import('jest').Config} */
module.exports = {
  rootDir: '../..',
  testEnvironment: 'node',
  transform: base.transform,
  transformIgnorePatterns: base.transformIgnorePatterns,
  testMatch: ['<rootDir>/test/bench/**/*.bench.ts'],
  testTimeout: 1_800_000,
};
