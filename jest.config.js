/** Unit specs live beside the code; integration and end-to-end suites under test/. */
const fs = require('node:fs');
const swcrc = JSON.parse(fs.readFileSync(`${__dirname}/.swcrc`, 'utf8'));
delete swcrc.$schema;

module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/apps', '<rootDir>/libs', '<rootDir>/test'],
  testMatch: ['**/*.spec.ts', '**/*.e2e-spec.ts'],
  transform: {
    '^.+\\.ts$': ['@swc/jest', swcrc],
    // The benchmark harness is plain ESM (bench/lib/*.mjs); its pure modules are unit-tested.
    '^.+\\.mjs$': [
      '@swc/jest',
      { ...swcrc, jsc: { ...swcrc.jsc, parser: { syntax: 'ecmascript' } } },
    ],
  },
  moduleNameMapper: {
    '^@portico/(contracts|platform|definitions|testing|functions|iam)$':
      '<rootDir>/libs/$1/src/index.ts',
    '^@portico/(edge|control|connections|auth|ratelimit|cache)$': '<rootDir>/apps/$1/src/index.ts',
  },
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
  reporters: ['default', '<rootDir>/scripts/jest-summary-reporter.js'],
  maxWorkers: 2,
  testTimeout: 30000,
};
