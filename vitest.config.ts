import { defineConfig } from 'vitest/config';

/** Tests that start emulators (dynalite, fauxqs, SES) or the whole local stack. */
const INTEGRATION = [
  'test/integration/**/*.test.ts',
  'test/cli/**/*.test.ts',
  'test/local/**/*.test.ts',
  'test/**/*.emulator.test.ts',
];
/** Tests that synthesize the CDK stack. */
const INFRA = ['test/infra/**/*.test.ts'];

/**
 * Three tiers, each runnable alone: `npm run test:unit` (no emulator, no synth),
 * `npm run test:integration` (embedded emulators, or TASKLANE_DYNAMODB_ENDPOINT), `npm run test:infra` (CDK).
 */
export default defineConfig({
  test: {
    // Test files mostly wait (on the emulators, on real retries and delays), so four run at once even on two
    // cores: vitest's default there is one, and `npm test` took 4-5 minutes instead of 2.3 (README, Testing).
    maxWorkers: 4,
    // A worker keeps its modules from one test file to the next instead of loading them again per file:
    // aws-cdk-lib, the AWS SDK, zod and hono cost more CPU to load than most files take to run. On two
    // cores this took `npm test`'s tiers from 23 / 120 / 46 s to 11 / 91 / 32 s (unit / integration /
    // infra, measured side by side). Test files keep no state in modules (no vi.mock leaks: the few that
    // mock restore in afterEach), and `npx vitest run --sequence.shuffle.files` passes in any order.
    isolate: false,
    env: {
      POWERTOOLS_LOG_LEVEL: 'SILENT',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    },
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/**/*.test.ts'], exclude: [...INTEGRATION, ...INFRA] } },
      {
        extends: true,
        // The emulators answer over loopback and real retries wait for their backoff.
        test: { name: 'integration', include: INTEGRATION, testTimeout: 60_000, hookTimeout: 60_000 },
      },
      // One synth bundles every Lambda entry with esbuild; on two busy cores that takes a while.
      { extends: true, test: { name: 'infra', include: INFRA, testTimeout: 120_000, hookTimeout: 180_000 } },
    ],
  },
});
