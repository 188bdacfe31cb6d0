/** @type {import('jest').Config} */
// Transpile only (no type-check per file): `npm run typecheck` checks types once for the whole tree.
// ts-jest reads tsconfig.json and lays these options over it; isolatedModules is what makes it transpile.
const transform = {
  '^.+\\.ts$': ['ts-jest', { tsconfig: { isolatedModules: true } }],
  // jose is ES modules only (Node's require() loads it since 20.19); jest's module system needs it
  // as CommonJS.
  '^.+/node_modules/jose/.+\\.js$': [
    'ts-jest',
    { tsconfig: { isolatedModules: true, allowJs: true } },
  ],
};
const transformIgnorePatterns = ['/node_modules/(?!jose/)'];
// The SDK (sdk/) is written as ES modules, importing `./x.js` for `./x.ts`.
const moduleNameMapper = { '^(\\.{1,2}/.*)\\.js$': '$1' };

module.exports = {
  testTimeout: 30000,
  projects: [
    {
      displayName: 'unit',
      testMatch: ['<rootDir>/src/**/*.spec.ts', '<rootDir>/test/unit/**/*.spec.ts'],
      transform,
      transformIgnorePatterns,
      moduleNameMapper,
      testEnvironment: 'node',
    },
    {
      displayName: 'e2e',
      testMatch: ['<rootDir>/test/e2e/**/*.e2e-spec.ts'],
      transform,
      transformIgnorePatterns,
      moduleNameMapper,
      testEnvironment: 'node',
      globalSetup: '<rootDir>/test/setup/global-setup.ts',
      globalTeardown: '<rootDir>/test/setup/global-teardown.ts',
    },
    {
      // Heavy: faults, load and fuzzing. `npm run test:reliability`; CI runs it once.
      displayName: 'reliability',
      testMatch: ['<rootDir>/test/reliability/**/*.spec.ts'],
      transform,
      transformIgnorePatterns,
      moduleNameMapper,
      testEnvironment: 'node',
      globalSetup: '<rootDir>/test/setup/global-setup.ts',
      globalTeardown: '<rootDir>/test/setup/global-teardown.ts',
    },
  ],
};
