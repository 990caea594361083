/**
 * Three projects: `unit` (pure code, loopback HTTP) needs nothing running; `integration` (databases,
 * Temporal) starts one Temporal dev server and bundles the workflow code once for the whole run,
 * only when one of its tests is selected; `deploy` runs the deployment files' checkers.
 */
const transform = { '^.+\\.ts$': ['ts-jest', { diagnostics: false }] };

module.exports = {
  testTimeout: 180_000,
  maxWorkers: 2,
  projects: [
    {
      displayName: 'unit',
      testEnvironment: 'node',
      roots: ['<rootDir>/test/unit'],
      testMatch: ['**/*.test.ts'],
      transform,
    },
    {
      displayName: 'integration',
      testEnvironment: 'node',
      roots: ['<rootDir>/test/integration'],
      testMatch: ['**/*.test.ts'],
      transform,
      globalSetup: '<rootDir>/test/support/globalSetup.ts',
      globalTeardown: '<rootDir>/test/support/globalTeardown.ts',
    },
    {
      // The deployment files against their real checkers (promtool, check-jsonschema,
      // kubernetes-validate, actionlint, hadolint), installed by scripts/install-check-tools.sh.
      displayName: 'deploy',
      testEnvironment: 'node',
      roots: ['<rootDir>/test/deploy'],
      testMatch: ['**/*.test.ts'],
      transform,
      globalSetup: '<rootDir>/test/support/deployGlobalSetup.ts',
    },
  ],
};
