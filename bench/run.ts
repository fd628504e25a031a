/**
 * `npm run bench`: bundles and cold start, AWS requests and dollars per task and per 5-step workflow run (with
 * durable steps' resume latency), the DynamoDB write-unit
 * model against DynamoDB Local, local throughput, latency and memory, the start lag of delayed tasks, fairness
 * between two tenants.
 * Writes bench/results/latest.json and latest.md (with `BENCH_QUICK=1`: quick.json and quick.md, from small
 * counts, to check the benchmark itself).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { projectPath } from '../infra/paths';
import { measureAwsCost } from './aws-cost';
import { buildBundles, entriesToMeasure } from './bundles';
import { compareWithReferences, measureInit } from './cold-start';
import { measureDelayedStart } from './delayed-start';
import { measureFairness } from './fairness';
import { elapsedSeconds, progress } from './progress';
import { configuration, renderMarkdown, targetsOf, type BenchResults } from './report';
import { QUICK, SETTINGS } from './settings';
import { measureThroughput } from './throughput';
import { checkUnits } from './units-check';
import { measureWorkflow } from './workflow-bench';

// Read when the stack's loggers and SDK clients are built, not at import.
process.env.POWERTOOLS_LOG_LEVEL ??= 'WARN';
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const git = (...args: string[]) => execFileSync('git', args, { cwd: projectPath('.'), encoding: 'utf8' }).trim();
const load = () => Math.round(os.loadavg()[0]! * 100) / 100;
const loadAtStart = load();
progress(
  `${QUICK ? 'quick' : 'full'} run on Node ${process.version}, ${os.cpus().length} CPUs, load average ${loadAtStart}`,
);

progress(
  "bundles: every Lambda entry and the baselines, with the stack's esbuild options (node24 for size, node20 for timing)",
);
const { entries, notes } = entriesToMeasure();
const bundles = await buildBundles(entries);
progress(`cold start: ${bundles.length} bundles × ${SETTINGS.coldStartRuns} fresh Node processes`);
const coldStart = compareWithReferences(
  bundles,
  measureInit(bundles, SETTINGS.coldStartRuns),
  entries,
  SETTINGS.coldStartRuns,
  notes,
);

const cost = await measureAwsCost(SETTINGS.costTasks, SETTINGS.costTimedTasks);
progress(`aws cost: $${cost.usdPerMillion.total} per million tasks`);

const workflow = await measureWorkflow();

const units = await checkUnits(SETTINGS.unitsCheckTasks);

const throughput = await measureThroughput(SETTINGS);
progress(
  `throughput: ${throughput.endToEnd.tasksPerSecond} tasks/s end to end; peak RSS ${throughput.memory.maxRssMb} MB`,
);

const delayed = await measureDelayedStart(SETTINGS.delayedTasks);
progress(
  `delayed: start lag p50 ${delayed.lagMs.p50} ms, p99 ${delayed.lagMs.p99} ms (immediate tasks' wait p50 ${delayed.immediateWaitMs.p50} ms); ${delayed.startedEarly} started early`,
);

const fairness = await measureFairness(SETTINGS);
for (const r of fairness.runs) {
  progress(
    `fairness (${configuration(r)}): B waited p50 ${r.b.loadedMs.p50} ms, p99 ${r.b.loadedMs.p99} ms behind A (${r.b.ratio.p50}× / ${r.b.ratio.p99}× idle); A drained in ${r.a.drain.drained ? '' : '> '}${r.a.drain.seconds} s`,
  );
}

const results: BenchResults = {
  meta: {
    date: new Date().toISOString(),
    commit: git('rev-parse', '--short', 'HEAD'),
    uncommittedChanges: git('status', '--porcelain').length > 0,
    node: process.version,
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    loadAverage: { start: loadAtStart, end: load() },
    quick: QUICK,
    settings: SETTINGS,
    seconds: Math.round(elapsedSeconds()),
  },
  coldStart,
  cost,
  units,
  throughput,
  delayed,
  fairness,
  workflow,
};
const name = QUICK ? 'quick' : 'latest';
const dir = projectPath('bench/results');
mkdirSync(dir, { recursive: true });
writeFileSync(`${dir}/${name}.json`, `${JSON.stringify({ ...results, targets: targetsOf(results) }, null, 2)}\n`);
writeFileSync(`${dir}/${name}.md`, renderMarkdown(results));
progress(`done in ${Math.round(elapsedSeconds())} s: bench/results/${name}.json, bench/results/${name}.md`);
