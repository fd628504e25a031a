/**
 * `npm run bench:soak`: does the local stack's memory level off? Runs the stack in a child process
 * with a short schedule interval, puts a steady load on it, then leaves it idle, sampling the child's
 * memory throughout. Writes bench/results/soak.md; exits 1 when RSS grew more than the target in a
 * phase (or requests failed), 2 on bad settings or when the run overstays its time.
 */
import { execFileSync, fork, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { projectPath } from '../infra/paths';
import { progress } from './progress';
import { SteadyLoad } from './soak-load';
import { phaseResult, renderMarkdown, type PhaseName, type Sample } from './soak-report';
import { readSoakSettings } from './soak-settings';
import type { SoakStackMethods } from './soak-stack';

const settings = readSoakSettings();
const plannedSeconds = 2 * settings.warmupSeconds + settings.loadSeconds + settings.idleSeconds;
// Startup, the last tasks in flight and stopping take well under this; past it something hangs.
const overstay = setTimeout(
  () => {
    console.error(`bench:soak: still running ${plannedSeconds + 180} s after the start; giving up.`);
    child.kill('SIGKILL');
    process.exit(2);
  },
  (plannedSeconds + 180) * 1000,
);
overstay.unref();

progress(
  `soak: ${plannedSeconds} s planned (load ${settings.warmupSeconds}+${settings.loadSeconds} s, idle ${settings.warmupSeconds}+${settings.idleSeconds} s), schedules every ${settings.scheduleMs} ms`,
);
const child: ChildProcess = fork(projectPath('bench/soak-stack.ts'), [String(settings.scheduleMs)], {
  execArgv: ['--expose-gc', '--import', 'tsx'],
  stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
});
const pending = new Map<number, { resolve: (result: unknown) => void; reject: (error: Error) => void }>();
let nextId = 0;
let stopping = false;
child.on('message', (message: { id: number; result?: unknown; error?: string }) => {
  const answer = pending.get(message.id);
  pending.delete(message.id);
  if (message.error) answer?.reject(new Error(`the stack process failed: ${message.error}`));
  else answer?.resolve(message.result);
});
child.on('exit', (code) => {
  if (stopping) return;
  console.error(`bench:soak: the stack process exited (${code}) during the run.`);
  process.exit(1);
});
const call = <M extends keyof SoakStackMethods>(method: M) =>
  new Promise<Awaited<ReturnType<SoakStackMethods[M]>>>((resolve, reject) => {
    const id = nextId++;
    pending.set(id, { resolve: resolve as (result: unknown) => void, reject });
    child.send({ id, method });
  });
const api = await new Promise<{ apiUrl: string; apiKey: string }>((resolve) =>
  child.once('message', (message: { ready: { apiUrl: string; apiKey: string } }) => resolve(message.ready)),
);

const started = performance.now();
const elapsed = () => (performance.now() - started) / 1000;
const samples: Sample[] = [];
let phase: PhaseName = 'load warm-up';
let sampling = true;
const sampler = (async () => {
  while (sampling) {
    samples.push({ t: elapsed(), phase, ...(await call('settled')) });
    await sleep(settings.sampleMs);
  }
})();

const load = new SteadyLoad(api, settings);
const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

/** Runs one phase for `seconds`, with a progress line every 15 s. */
async function run(name: PhaseName, seconds: number): Promise<void> {
  phase = name;
  progress(`soak: ${name}, ${Math.round(seconds)} s`);
  const end = elapsed() + seconds;
  while (end - elapsed() > 0.1) {
    await sleep(Math.min(15, end - elapsed()) * 1000);
    const last = samples.at(-1)!;
    progress(
      `soak: ${name} t=${Math.round(last.t)} s RSS ${mb(last.rss)}, heap ${mb(last.heapUsed)}; ${load.counts.tasksCompleted} tasks, ${load.counts.eventsPosted} events, ${load.counts.shed} shed, ${load.counts.errors} errors`,
    );
  }
}

load.start();
await run('load warm-up', settings.warmupSeconds);
await run('load', settings.loadSeconds);
// The idle warm-up starts now: waiting for the last tasks in flight is part of it.
phase = 'idle warm-up';
const idleFrom = elapsed();
const counts = await load.stop();
await run('idle warm-up', Math.max(0, settings.warmupSeconds - (elapsed() - idleFrom)));
await run('idle', settings.idleSeconds);
sampling = false;
await sampler;
stopping = true;
const exited = new Promise((resolve) => child.once('exit', resolve));
await call('stop');
await exited;

const phases = [phaseResult('load', samples, settings), phaseResult('idle', samples, settings)];
const git = (...args: string[]) => execFileSync('git', args, { cwd: projectPath('.'), encoding: 'utf8' }).trim();
const markdown = renderMarkdown({
  date: new Date().toISOString(),
  commit: git('rev-parse', '--short', 'HEAD'),
  uncommittedChanges: git('status', '--porcelain').length > 0,
  node: process.version,
  cpus: os.cpus().length,
  settings,
  phases,
  load: counts,
  samples,
});
const dir = projectPath('bench/results');
mkdirSync(dir, { recursive: true });
writeFileSync(`${dir}/soak.md`, markdown);

for (const p of phases) {
  progress(
    `soak: ${p.name}: RSS ${p.rssStartMb} → ${p.rssEndMb} MB (${(p.rssGrowth * 100).toFixed(1)} %, target ≤ ${settings.target * 100} %: ${p.met ? 'met' : 'MISSED'}), ` +
      `V8 heap ${p.heapStartMb} → ${p.heapEndMb} MB over ${p.scheduleTicks} schedule ticks`,
  );
}
if (counts.shed > 0)
  progress(`soak: ${counts.shed} requests not started: the stack fell behind ${settings.tasksPerSecond} tasks/s`);
if (counts.errors > 0) progress(`soak: ${counts.errors} load errors (first: ${counts.firstError})`);
progress('soak: bench/results/soak.md');
process.exit(phases.every((p) => p.met) && counts.errors === 0 ? 0 : 1);
