import { existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { build, type BuildOptions } from 'esbuild';
import { ENV } from '../functions/config';
import type { TaskServiceUse } from '../functions/core/task-type';
import { TASK_TYPES } from '../functions/task-types/registry';
import { PROJECT_ROOT, projectPath } from '../infra/paths';
import { workerBundleDefine } from '../infra/worker-bundle';

/** An AWS SDK client a function calls, as its reference handler constructs it. */
export type SdkClient = keyof typeof SDK_CLIENTS;

/** How a reference handler imports and constructs each client, exactly as the adapters do (default options). */
const SDK_CLIENTS = {
  dynamodb: {
    imports:
      "import { DynamoDBClient } from '@aws-sdk/client-dynamodb';\nimport { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';",
    construct: 'DynamoDBDocumentClient.from(new DynamoDBClient({}))',
  },
  sqs: { imports: "import { SQSClient } from '@aws-sdk/client-sqs';", construct: 'new SQSClient({})' },
  s3: { imports: "import { S3Client } from '@aws-sdk/client-s3';", construct: 'new S3Client({})' },
  lambda: { imports: "import { LambdaClient } from '@aws-sdk/client-lambda';", construct: 'new LambdaClient({})' },
  ses: { imports: "import { SESv2Client } from '@aws-sdk/client-sesv2';", construct: 'new SESv2Client({})' },
} as const;

/** The clients a task type's `uses` calls, besides the table and the queues every worker calls. */
const USE_CLIENTS: Record<TaskServiceUse, SdkClient[]> = {
  email: ['ses'],
  files: ['s3'],
  uploads: ['s3'],
  create_tasks: [],
  manage_tasks: [],
};

export interface LambdaEntry {
  /** Short name in the report. */
  name: string;
  /** Entry file, as the CDK stack names it. */
  entry: string;
  /** The SDK clients the function calls (its reference handler constructs these and nothing else). */
  clients: readonly SdkClient[];
  /** esbuild `define`s the stack bundles it with (a task type's worker). */
  define?: Record<string, string>;
  /** Environment variables of this function beyond those all share (cold-start.ts). */
  env?: Record<string, string>;
}

/**
 * One worker per task type, bundled for that type as the stack bundles it; its reference constructs
 * DynamoDB and SQS (every worker) and the clients of the services its registry entry `uses`.
 */
function workerEntries(): LambdaEntry[] {
  return TASK_TYPES.map((type) => ({
    name: `worker:${type.name}`,
    entry: 'functions/workers/handler.ts',
    clients: [...new Set<SdkClient>(['dynamodb', 'sqs', ...(type.uses ?? []).flatMap((use) => USE_CLIENTS[use])])],
    define: workerBundleDefine(type),
    env: { [ENV.taskType]: type.name },
  }));
}

/**
 * Every Lambda entry point, with the AWS services its code calls. The reference is what the function
 * needs, not what it happens to construct, so a client built but never used shows up as overhead.
 */
export const LAMBDA_ENTRIES: readonly LambdaEntry[] = [
  { name: 'api', entry: 'functions/api/handler.ts', clients: ['dynamodb', 'sqs', 'lambda'] },
  ...workerEntries(),
  { name: 'authorizer', entry: 'functions/auth/authorizer.ts', clients: ['dynamodb'] },
  { name: 'stream', entry: 'functions/stream/handler.ts', clients: ['dynamodb'] },
  { name: 'sweeper', entry: 'functions/scheduled/sweeper.ts', clients: ['dynamodb', 'sqs'] },
  { name: 'scheduler', entry: 'functions/scheduled/scheduler.ts', clients: ['dynamodb', 'sqs'] },
  { name: 'flush', entry: 'functions/scheduled/flush.ts', clients: ['dynamodb', 's3'] },
  { name: 'webhook', entry: 'functions/workers/webhook-handler.ts', clients: ['dynamodb', 'sqs'] },
];

/**
 * The options of infra/constructs/tasklane-function.ts (NodejsFunction `bundling`) as esbuild sees
 * them: NodejsFunction runs `esbuild --bundle --platform=node --minify --sourcemap
 * --sources-content=false --loader:.html=text` with no externals, and esbuild's default format for
 * a node bundle is cjs. Only the target differs between the size bundle (node24, what is deployed)
 * and the timing bundle (node20, the Node on this machine).
 */
function esbuildOptions(target: 'node24' | 'node20', outfile: string): BuildOptions {
  return {
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target,
    minify: true,
    sourcemap: true,
    sourcesContent: false,
    external: [],
    loader: { '.html': 'text' },
    logLevel: 'warning',
    metafile: true,
    absWorkingDir: PROJECT_ROOT,
    outfile,
  };
}

export interface BuiltBundle {
  name: string;
  /** `function`, or a baseline: `empty`, `reference`. */
  kind: 'function' | 'empty' | 'reference';
  /** Deployed bundle (target node24): bytes of index.js, and of its source map. */
  bytes: number;
  mapBytes: number;
  /** The node20 build that the init timing loads. */
  timingFile: string;
  /** SDK client packages that ended up in the bundle. */
  sdkPackages: string[];
  /** For a function: the name of its reference bundle. */
  reference?: string;
  /** For a function: its own environment variables (LambdaEntry.env). */
  env?: Record<string, string>;
  /** Bytes of the deployed build by origin: an npm package, or a folder of ours (`functions/core/`). */
  origins: Record<string, number>;
}

/** Build output stays out of the repository. */
const OUT_DIR = path.join(tmpdir(), 'tasklane-bench', 'bundles');

/** Entries the CDK stack bundles, found in infra/ (`entry: '…'`), so a new function cannot be missed. */
export function infraEntries(): string[] {
  const found = new Set<string>();
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const file = path.join(dir, name);
      if (statSync(file).isDirectory()) walk(file);
      else if (file.endsWith('.ts'))
        for (const m of readFileSync(file, 'utf8').matchAll(/entry:\s*'(functions\/[^']+\.ts)'/g)) found.add(m[1]!);
    }
  };
  walk(projectPath('infra'));
  return [...found].sort();
}

/** The entries to measure: the known ones that exist, and any entry the stack bundles that this file does not know yet. */
export function entriesToMeasure(): { entries: LambdaEntry[]; notes: string[] } {
  const notes: string[] = [];
  const entries = LAMBDA_ENTRIES.filter((e) => {
    const exists = existsSync(projectPath(e.entry));
    if (!exists) notes.push(`${e.entry} does not exist at this commit: not measured.`);
    return exists;
  });
  for (const entry of infraEntries()) {
    if (entries.some((e) => e.entry === entry)) continue;
    // Unknown to the table above: measured against a DynamoDB + SQS reference; add it to LAMBDA_ENTRIES.
    notes.push(
      `${entry} is bundled by the stack but not listed in bench/bundles.ts; its reference assumes DynamoDB + SQS.`,
    );
    entries.push({ name: path.basename(entry, '.ts'), entry, clients: ['dynamodb', 'sqs'] });
  }
  return { entries, notes };
}

function referenceSource(clients: readonly SdkClient[]): string {
  const parts = clients.map((c) => SDK_CLIENTS[c]);
  return `${parts.map((p) => p.imports).join('\n')}
// Constructed at init, as the functions construct theirs.
const clients = [${parts.map((p) => p.construct).join(', ')}];
export const handler = async () => clients.length;
`;
}

const EMPTY_SOURCE = 'export const handler = async () => ({ statusCode: 200 });\n';

async function buildOne(
  name: string,
  input: { entry: string; define?: Record<string, string> } | { source: string },
): Promise<Pick<BuiltBundle, 'bytes' | 'mapBytes' | 'timingFile' | 'sdkPackages' | 'origins'>> {
  const dir = path.join(OUT_DIR, name.replace(':', '-'));
  mkdirSync(dir, { recursive: true });
  const entry: Partial<BuildOptions> =
    'entry' in input
      ? { entryPoints: [projectPath(input.entry)], define: input.define }
      : { stdin: { contents: input.source, resolveDir: PROJECT_ROOT, sourcefile: `${name}.ts`, loader: 'ts' } };
  const deployed = path.join(dir, 'node24', 'index.js');
  const timing = path.join(dir, 'node20', 'index.js');
  const result = await build({ ...esbuildOptions('node24', deployed), ...entry });
  await build({ ...esbuildOptions('node20', timing), ...entry });
  const origins: Record<string, number> = {};
  for (const output of Object.values(result.metafile!.outputs))
    for (const [file, { bytesInOutput }] of Object.entries(output.inputs)) {
      const origin = originOf(file);
      origins[origin] = (origins[origin] ?? 0) + bytesInOutput;
    }
  // A client counts as bundled by what it puts into the output, not by being read: esbuild reads a
  // package whose import it then drops (a type's worker imports the SES adapter that it leaves out).
  const sdkPackages = Object.entries(origins)
    .filter(([origin, bytes]) => SDK_CLIENT_PACKAGE.test(origin) && bytes >= MIN_BUNDLED_BYTES)
    .map(([origin]) => origin);
  return {
    bytes: statSync(deployed).size,
    mapBytes: statSync(`${deployed}.map`).size,
    timingFile: timing,
    sdkPackages: [...sdkPackages].sort(),
    origins,
  };
}

/** Where a bundled file comes from: its npm package (the innermost node_modules), or our folder (`functions/core/`). */
const SDK_CLIENT_PACKAGE = /^@aws-sdk\/(client-[^/]+|lib-dynamodb)$/;
/** Below this, what a package left in the output is glue (an import esbuild kept, an enum), not the client. */
const MIN_BUNDLED_BYTES = 1024;

function originOf(file: string): string {
  const m = /.*node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(file);
  if (m) return m[1]!;
  const ours = /^(functions\/[^/]+\/)/.exec(file);
  return ours ? ours[1]! : file;
}

/** Bundles every function and its baselines; references are shared between functions that call the same services. */
export async function buildBundles(entries: readonly LambdaEntry[]): Promise<BuiltBundle[]> {
  const bundles: BuiltBundle[] = [
    { name: 'empty', kind: 'empty', ...(await buildOne('empty', { source: EMPTY_SOURCE })) },
  ];
  const references = new Map<string, string>();
  for (const entry of entries) {
    const key = [...entry.clients].sort().join('+');
    if (!references.has(key)) {
      const name = `reference:${key}`;
      references.set(key, name);
      bundles.push({
        name,
        kind: 'reference',
        ...(await buildOne(`reference-${key}`, { source: referenceSource([...entry.clients].sort()) })),
      });
    }
    bundles.push({
      name: entry.name,
      kind: 'function',
      reference: references.get(key),
      env: entry.env,
      ...(await buildOne(entry.name, { entry: entry.entry, define: entry.define })),
    });
  }
  return bundles;
}
