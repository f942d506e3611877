/** Tiers: unit (no network), integration (moto + the real local endpoint), infra (CDK templates), browser (the console). */
const transform = { '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022', parser: { syntax: 'typescript' } } }] };
// The package's own entry points (`stripe-webhooks-aws/cdk`, `/handlers`), as the example imports them, mapped to
// the TypeScript each export's `source` condition names, so the map cannot drift from package.json.
const { exports: packageExports } = require('./package.json');
const moduleNameMapper = Object.fromEntries(
  Object.entries(packageExports)
    .filter(([, target]) => typeof target === 'object' && target.source)
    .map(([subpath, target]) => [`^stripe-webhooks-aws${subpath.slice(1)}$`, `<rootDir>/${target.source.slice(2)}`]),
);
const common = { testEnvironment: 'node', transform, moduleFileExtensions: ['ts', 'js', 'json'], moduleNameMapper };

/** @type {import('jest').Config} */
module.exports = {
  // Two workers on the 2-core machines: most integration and browser files wait on moto, timers and sockets,
  // and a second worker fills that waiting (Jest's default there is one worker, cores - 1). Measured with
  // `time npm test` on 2 cores: 7 min 36 s with one worker, 4 min 48 s with two.
  maxWorkers: 2,
  // Jest 30 reads testTimeout only here, not per project; slow files raise it with jest.setTimeout.
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/test/unit/**/*.test.ts'] },
    {
      ...common,
      displayName: 'integration',
      testMatch: ['<rootDir>/test/integration/**/*.test.ts'],
      globalSetup: '<rootDir>/test/support/moto-global-setup.ts',
      globalTeardown: '<rootDir>/test/support/moto-global-teardown.ts',
    },
    { ...common, displayName: 'infra', testMatch: ['<rootDir>/test/infra/**/*.test.ts'] },
    {
      // The local console in Debian's headless Chromium (playwright-core, no browser download), against moto.
      ...common,
      displayName: 'browser',
      testMatch: ['<rootDir>/test/browser/**/*.test.ts'],
      globalSetup: '<rootDir>/test/support/moto-global-setup.ts',
      globalTeardown: '<rootDir>/test/support/moto-global-teardown.ts',
    },
  ],
};
