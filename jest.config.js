/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.ts$': ['@swc/jest'],
    // PGlite's CommonJS build loads Node built-ins with import(), which jest's module sandbox cannot run
    // without --experimental-vm-modules; compiling it to require() keeps plain `npx jest` working.
    // jose (JWT signing in the Teams auth tests) ships ES modules only.
    'jose/dist/.+\\.js$': [
      '@swc/jest',
      { module: { type: 'commonjs' }, jsc: { parser: { syntax: 'ecmascript' }, target: 'es2022' } },
    ],
    '@electric-sql/pglite/dist/.+\\.cjs$': [
      '@swc/jest',
      {
        module: { type: 'commonjs', ignoreDynamic: false },
        jsc: { parser: { syntax: 'ecmascript' }, target: 'es2022' },
      },
    ],
  },
  transformIgnorePatterns: ['/node_modules/(?!@electric-sql/pglite/|jose/)'],
  testTimeout: 60000,
  maxWorkers: 2,
};
