/**
 * Dependency rules of functions/ (npm run lint:deps). The core is the innermost layer: it is handed
 * the task types and the adapters, never reaches for them. Rule syntax:
 * https://github.com/sverweij/dependency-cruiser/blob/main/doc/rules-reference.md
 */

/** The files that may wire the registry into the core: entry-point builders, and everything outside functions/. */
const COMPOSITION_ROOTS = [
  '^functions/api/build\\.ts$',
  '^functions/workers/build\\.ts$',
  '^functions/workers/build-webhook-worker\\.ts$',
  '^functions/scheduled/build-[^/]+\\.ts$',
  '^(infra|local|cli|bench|test|bin)/',
];

module.exports = {
  forbidden: [
    {
      name: 'core-is-innermost',
      comment:
        'functions/core imports nothing of this repository outside functions/core: task types, webhooks, adapters and ' +
        'the API depend on the core, not the other way round. Hand the core what it needs (a port, a lookup).',
      severity: 'error',
      from: { path: '^functions/core/' },
      to: { path: '^(functions|infra|local|cli|bench|test|bin)/', pathNot: '^functions/core/' },
    },
    {
      name: 'core-knows-no-aws',
      comment:
        'functions/core knows nothing about AWS (docs DESIGN, principle 1): no AWS SDK, no Powertools, no Lambda ' +
        'event types. The adapters in functions/adapters implement the core ports with them.',
      severity: 'error',
      from: { path: '^functions/core/' },
      to: {
        path: [
          '(^|/)node_modules/(@aws-sdk|@smithy|@aws-lambda-powertools|@types/aws-lambda)/',
          '^(@aws-sdk|@smithy|@aws-lambda-powertools)/',
          '^aws-lambda$',
        ],
      },
    },
    {
      name: 'registry-only-in-composition-roots',
      comment:
        'Only composition roots import the task-type registry; everything else is handed a TaskTypes lookup ' +
        '(functions/core/task-types.ts) or the list, so the core and the handlers never reach for it.',
      severity: 'error',
      from: { pathNot: [...COMPOSITION_ROOTS, '^functions/task-types/registry\\.ts$'] },
      to: { path: '^functions/task-types/registry\\.ts$' },
    },
    {
      name: 'client-borrows-only-types',
      comment:
        "client/ runs in browsers and in Node without AWS: it borrows the API's types from the rest of the repository " +
        '(import type), never its code, which would pull zod, the AWS SDK or node: built-ins into its bundle.',
      severity: 'error',
      from: { path: '^client/' },
      to: { path: '^(functions|infra|local|cli|bench|test|bin)/', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'client-runs-in-browsers',
      comment:
        'client/src runs in browsers too: no Node built-ins (node:crypto, node:buffer, …); use fetch, Web Crypto, ' +
        'TextDecoder. Its npm packages are checked by test/client/bundle.test.ts (node_modules is not cruised here).',
      severity: 'error',
      from: { path: '^client/src/' },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'no-circular',
      comment:
        'Modules of functions/ that import each other, directly or through others: move the shared part into its own file.',
      severity: 'error',
      from: { path: '^functions/' },
      to: { circular: true },
    },
  ],
  options: {
    tsConfig: { fileName: 'tsconfig.json' },
    // Type-only imports count: a contract borrowed from an outer layer is a dependency on it all the same.
    tsPreCompilationDeps: true,
    // node_modules are leaves (not followed) but stay in the graph, so the rules can see what imports them.
    doNotFollow: { path: 'node_modules' },
    exclude: { path: ['^cdk\\.out/'] },
  },
};
