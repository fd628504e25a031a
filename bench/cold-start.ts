import { spawnSync } from 'node:child_process';
import { ENV, queueUrlEnvName } from '../functions/config';
import { generic } from '../functions/task-types/generic';
import { taskTypeNames } from '../functions/task-types/registry';
import type { BuiltBundle, LambdaEntry } from './bundles';
import { progress } from './progress';
import { ratio, round, summarize, type Summary } from './stats';

/**
 * Loads one bundle in this fresh process and prints how long `require` took: module evaluation
 * plus everything the handler file does at init (config, SDK clients, logger, the app).
 */
const LOADER = `
const { performance } = require('node:perf_hooks');
// The Lambda runtime's global for response streaming (the stream function calls it at init).
globalThis.awslambda = { streamifyResponse: (handler) => handler, HttpResponseStream: { from: (stream) => stream } };
const start = performance.now();
require(process.env.BENCH_BUNDLE);
process.stdout.write(JSON.stringify({ ms: performance.now() - start }));
`;

const queueUrl = (name: string) => `https://sqs.us-east-1.amazonaws.com/123456789012/tasklane-${name}`;

/** What the CDK stack sets (infra/constructs/runtime-environment.ts), with dummy credentials: nothing is called at init. */
export function lambdaEnvironment(): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'AKIDBENCHMARK',
    AWS_SECRET_ACCESS_KEY: 'benchmark',
    AWS_LAMBDA_FUNCTION_NAME: 'tasklane-bench',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    // As the stack sets it on every function (tasklane-function.ts).
    NODE_OPTIONS: '--enable-source-maps',
    POWERTOOLS_LOG_LEVEL: 'WARN',
    [ENV.tableName]: 'tasklane-bench',
    // A task type's worker has its own type here (LambdaEntry.env); other functions ignore it.
    [ENV.taskType]: generic.name,
    [ENV.eventsBucket]: 'tasklane-bench-events',
    [ENV.flushFunctionName]: 'tasklane-bench-flush',
    ...Object.fromEntries(taskTypeNames().map((name) => [queueUrlEnvName(name), queueUrl(name)])),
    // Read by the webhook functions where they exist; unused otherwise.
    TASKLANE_WEBHOOK_QUEUE_URL: queueUrl('webhooks'),
  };
}

function loadOnce(file: string, env: NodeJS.ProcessEnv): number {
  const out = spawnSync(process.execPath, ['-e', LOADER], { env: { ...env, BENCH_BUNDLE: file }, encoding: 'utf8' });
  if (out.status !== 0) throw new Error(`Loading ${file} failed:\n${out.stderr}`);
  return (JSON.parse(out.stdout) as { ms: number }).ms;
}

export interface InitTiming {
  name: string;
  ms: Summary;
}

/**
 * Init time of every bundle, each run in a fresh Node process. Bundles take turns within each round,
 * so drift on the machine (other load, CPU frequency) spreads over all of them alike.
 */
export function measureInit(bundles: readonly BuiltBundle[], runs: number): InitTiming[] {
  const env = lambdaEnvironment();
  const samples = new Map(bundles.map((b) => [b.name, [] as number[]]));
  const envOf = (b: BuiltBundle) => ({ ...env, ...b.env });
  for (const b of bundles) loadOnce(b.timingFile, envOf(b)); // warm the file cache; not counted
  for (let round = 1; round <= runs; round++) {
    for (const b of bundles) samples.get(b.name)!.push(loadOnce(b.timingFile, envOf(b)));
    if (round % 5 === 0 || round === runs) progress(`cold start: round ${round}/${runs}`);
  }
  return bundles.map((b) => ({ name: b.name, ms: summarize(samples.get(b.name)!) }));
}

/** One function against its reference (the same SDK clients, nothing else) and the empty handler. */
export interface FunctionFigures {
  name: string;
  entry: string;
  kb: number;
  referenceKb: number;
  sizeRatio: number;
  initMs: Summary;
  reference: string;
  referenceInitMs: Summary;
  /** Median init over the reference's median. */
  initRatio: number;
  /** SDK client packages bundled (those the reference has, plus any the function builds without calling). */
  sdkPackages: string[];
}

export interface ColdStartResult {
  runs: number;
  notes: string[];
  emptyKb: number;
  emptyInitMs: Summary;
  references: Array<{ name: string; kb: number; initMs: Summary }>;
  functions: FunctionFigures[];
}

const kb = (bytes: number) => round(bytes / 1024, 1);

export function compareWithReferences(
  bundles: readonly BuiltBundle[],
  timings: readonly InitTiming[],
  entries: readonly LambdaEntry[],
  runs: number,
  notes: string[],
): ColdStartResult {
  const timing = (name: string) => timings.find((t) => t.name === name)!.ms;
  const bundle = (name: string) => bundles.find((b) => b.name === name)!;
  const empty = bundle('empty');
  return {
    runs,
    notes,
    emptyKb: kb(empty.bytes),
    emptyInitMs: timing('empty'),
    references: bundles
      .filter((b) => b.kind === 'reference')
      .map((b) => ({ name: b.name, kb: kb(b.bytes), initMs: timing(b.name) })),
    functions: bundles
      .filter((b) => b.kind === 'function')
      .map((b) => {
        const reference = bundle(b.reference!);
        return {
          name: b.name,
          entry: entries.find((e) => e.name === b.name)!.entry,
          kb: kb(b.bytes),
          referenceKb: kb(reference.bytes),
          sizeRatio: ratio(b.bytes, reference.bytes),
          initMs: timing(b.name),
          reference: reference.name,
          referenceInitMs: timing(reference.name),
          initRatio: ratio(timing(b.name).p50, timing(reference.name).p50),
          sdkPackages: b.sdkPackages,
        };
      }),
  };
}
