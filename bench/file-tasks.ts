/**
 * `npm run bench:files`: memory of the `import` and `export` workers at each row count of
 * BENCH_ROWS (default 1,000, 10,000 and 100,000), each run in a fresh process
 * (bench/file-task-worker.ts) against the embedded stack, which runs here. Flat memory means the
 * larger runs peak about where the first (the baseline) does: the ratios in
 * bench/results/files.md say how close. Takes about 4 minutes.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { issueApiKey } from '../functions/core/api-keys';
import { projectPath } from '../infra/paths';
import { startLocalStack, type LocalStack } from '../local/stack';
import type { WorkerRun } from './file-task-worker';
import { progress } from './progress';

process.env.POWERTOOLS_LOG_LEVEL ??= 'WARN';
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const ROWS = (process.env.BENCH_ROWS ?? '1000,10000,100000').split(',').map(Number);
// Short enough that 100,000 rows stay under the 11 MiB the S3 emulator takes in one PUT.
const BODY = 'Your invoice is attached; reply if anything is off.';

/** `rows` e-mails as CSV: a quoted subject with a comma and quotes, a 50-character body; about 100 bytes a row. */
function csvOf(rows: number): Buffer {
  const lines = ['to,subject,text'];
  for (let i = 0; i < rows; i++) lines.push(`user${i}@example.com,"Invoice ${i}, ""final""",${BODY}`);
  return Buffer.from(`${lines.join('\n')}\n`);
}

async function call(stack: LocalStack, key: string, method: string, path: string, body?: unknown) {
  const response = await fetch(`${stack.apiUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
  return response.json() as Promise<any>;
}

/**
 * Runs one message of `type` in a fresh Node process, the way one Lambda invocation would
 * (asynchronously: the emulators it talks to run on this process's event loop).
 */
async function runWorker(stack: LocalStack, type: string): Promise<WorkerRun> {
  const queue = stack.queues.find((q) => q.type.name === type)!;
  const { stdout: out } = await promisify(execFile)(
    process.execPath,
    ['--expose-gc', '--import', 'tsx', projectPath('bench/file-task-worker.ts')],
    {
      cwd: projectPath('.'),
      env: {
        ...process.env,
        BENCH_TYPE: type,
        BENCH_CONFIG: JSON.stringify({ ...stack.config, queueArn: queue.queueArn }),
      },
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    },
  );
  return JSON.parse(out.trim().split('\n').at(-1)!) as WorkerRun;
}

interface SizeRun {
  rows: number;
  csvBytes: number;
  import: WorkerRun & { imported: number };
  export: WorkerRun & { rows: number; bytes: number };
}

async function measure(stack: LocalStack, rows: number): Promise<SizeRun> {
  const { secret } = await issueApiKey(stack.apiKeys, `bench-files-${rows}`);
  const csv = csvOf(rows);
  const upload = await call(stack, secret, 'POST', '/uploads');
  const put = await fetch(upload.upload_url, { method: 'PUT', body: csv.toString('utf8') });
  if (!put.ok) throw new Error(`upload: ${put.status}`);

  const importTask = await call(stack, secret, 'POST', '/tasks', {
    type: 'import',
    payload: { upload_id: upload.upload_id, task_type: 'email' },
  });
  progress(`${rows} rows (${(csv.length / 1e6).toFixed(1)} MB of CSV): import`);
  const importRun = await runWorker(stack, 'import');
  const imported = await call(stack, secret, 'GET', `/tasks/${importTask.task_id}`);
  if (imported.status !== 'completed' || imported.result.imported !== rows)
    throw new Error(`import ended ${imported.status}: ${JSON.stringify(imported.result ?? imported.error)}`);

  const exportTask = await call(stack, secret, 'POST', '/tasks', {
    type: 'export',
    payload: { format: 'csv', filter: { type: 'email' } },
  });
  progress(`${rows} rows: export (import took ${importRun.seconds} s, peak RSS ${importRun.peakRssMb} MB)`);
  const exportRun = await runWorker(stack, 'export');
  const exported = await call(stack, secret, 'GET', `/tasks/${exportTask.task_id}`);
  if (exported.status !== 'completed' || exported.result.rows !== rows)
    throw new Error(`export ended ${exported.status}: ${JSON.stringify(exported.result ?? exported.error)}`);
  progress(`${rows} rows: export took ${exportRun.seconds} s, peak RSS ${exportRun.peakRssMb} MB`);

  return {
    rows,
    csvBytes: csv.length,
    import: { ...importRun, imported: imported.result.imported },
    export: { ...exportRun, rows: exported.result.rows, bytes: exported.result.bytes },
  };
}

const ratio = (value: number, base: number) => Math.round((value / base) * 100) / 100;
/** What the work itself added on top of the process that was ready to run it. */
const growth = (r: WorkerRun) => Math.round((r.peakRssMb - r.readyRssMb) * 10) / 10;

function render(runs: SizeRun[]): string {
  const [base] = runs as [SizeRun];
  const row = (name: 'import' | 'export', run: SizeRun) => {
    const r = run[name];
    const b = base[name];
    return `| ${name} | ${run.rows} | ${r.peakRssMb} MB (×${ratio(r.peakRssMb, b.peakRssMb)}) | ${growth(r)} MB | ${r.peakHeapMb} MB (×${ratio(r.peakHeapMb, b.peakHeapMb)}) | ${r.seconds} s |`;
  };
  return [
    `# File task memory — ${new Date().toISOString().slice(0, 10)}`,
    '',
    `\`npm run bench:files\` on Node ${process.version}, ${os.cpus().length} CPUs. Each worker run is a fresh Node process (as one Lambda invocation) against the embedded stack; memory sampled every 20 ms. Ratios are against the ${base.rows}-row run.`,
    `CSV in: ${runs.map((r) => `${r.csvBytes} B`).join(' / ')}; CSV out (export): ${runs.map((r) => `${r.export.bytes} B`).join(' / ')}.`,
    '',
    '| worker | rows | peak RSS | RSS growth while running | peak V8 heap | time |',
    '|---|---|---|---|---|---|',
    ...runs.map((run) => row('import', run)),
    ...runs.map((run) => row('export', run)),
    '',
  ].join('\n');
}

progress(`file task memory: ${ROWS.join(', ')} rows`);
const stack = await startLocalStack({ port: 0, workers: false, scheduleIntervalMs: 0, rateLimitPerSecond: 0 });
try {
  const runs: SizeRun[] = [];
  for (const rows of ROWS) runs.push(await measure(stack, rows));
  const dir = projectPath('bench/results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    `${dir}/files.json`,
    `${JSON.stringify({ date: new Date().toISOString(), node: process.version, runs }, null, 2)}\n`,
  );
  const markdown = render(runs);
  writeFileSync(`${dir}/files.md`, markdown);
  process.stdout.write(markdown);
} finally {
  await stack.stop();
}
