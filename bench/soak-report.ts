import type { LoadCounts } from './soak-load';
import type { SoakSettings } from './soak-settings';
import type { Usage } from './soak-stack';
import { percentile, round } from './stats';

export type PhaseName = 'load warm-up' | 'load' | 'idle warm-up' | 'idle';

/** One reading of the stack process's memory after full collections, `t` seconds into the run. */
export interface Sample extends Usage {
  t: number;
  phase: PhaseName;
}

/** A measured phase: from the end of its warm-up to its end. */
export interface PhaseResult {
  name: 'load' | 'idle';
  seconds: number;
  /** Schedule intervals in the phase: each starts a sweeper run and a flush run unless the last one still runs. */
  scheduleTicks: number;
  /** Median RSS of the first and of the last window of the phase (MB). */
  rssStartMb: number;
  rssEndMb: number;
  /** rssEnd / rssStart − 1. */
  rssGrowth: number;
  /** Median V8 heap in use, same windows (MB), and its growth per schedule tick. */
  heapStartMb: number;
  heapEndMb: number;
  heapKbPerTick: number;
  met: boolean;
}

const mb = (bytes: number) => round(bytes / 1024 / 1024, 1);
const median = (values: number[]) =>
  percentile(
    [...values].sort((a, b) => a - b),
    50,
  );

/** Growth of a phase: medians of windows at both ends, so that no single sample decides it. */
export function phaseResult(
  name: PhaseResult['name'],
  samples: Sample[],
  settings: Pick<SoakSettings, 'windowSeconds' | 'scheduleMs' | 'target'>,
): PhaseResult {
  const own = samples.filter((s) => s.phase === name);
  const from = own[0]!.t;
  const to = own.at(-1)!.t;
  const first = own.filter((s) => s.t <= from + settings.windowSeconds);
  const last = own.filter((s) => s.t >= to - settings.windowSeconds);
  const [rssStart, rssEnd] = [first, last].map((w) => median(w.map((s) => s.rss))) as [number, number];
  const [heapStart, heapEnd] = [first, last].map((w) => median(w.map((s) => s.heapUsed))) as [number, number];
  const growth = rssEnd / rssStart - 1;
  const ticks = Math.floor(((to - from) * 1000) / settings.scheduleMs);
  return {
    name,
    seconds: round(to - from, 0),
    scheduleTicks: ticks,
    rssStartMb: mb(rssStart),
    rssEndMb: mb(rssEnd),
    rssGrowth: round(growth, 3),
    heapStartMb: mb(heapStart),
    heapEndMb: mb(heapEnd),
    heapKbPerTick: round((heapEnd - heapStart) / 1024 / Math.max(1, ticks), 2),
    met: growth <= settings.target,
  };
}

const pct = (ratio: number) => `${(ratio * 100).toFixed(1)} %`;
const table = (header: string[], rows: Array<Array<string | number>>) =>
  [
    `| ${header.join(' | ')} |`,
    `|${header.map(() => '---').join('|')}|`,
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ].join('\n');

export interface SoakResults {
  date: string;
  commit: string;
  uncommittedChanges: boolean;
  node: string;
  cpus: number;
  settings: SoakSettings;
  phases: PhaseResult[];
  load: LoadCounts;
  samples: Sample[];
}

export function renderMarkdown(r: SoakResults): string {
  const s = r.settings;
  const timelineEvery = Math.max(1, Math.round(r.samples.length / 24));
  return `# Local stack soak — ${r.date.slice(0, 10)}

\`npm run bench:soak\` on Node ${r.node}, ${r.cpus} CPUs, commit ${r.commit}${r.uncommittedChanges ? ' with uncommitted changes' : ''}.
The stack runs in a child process (bench/soak-stack.ts, the same \`startLocalStack\` as \`npm start\`) with its
sweeper and flush every ${s.scheduleMs} ms. Load: ${s.tasksPerSecond} generic tasks/s (2 steps of 100 ms, each followed
until it completes) and ${s.eventsPerSecond} events/s; then no requests at all. Each phase starts with ${s.warmupSeconds} s of
warm-up that is not measured; growth compares the median RSS of its first and its last ${s.windowSeconds} s.
Every ${s.sampleMs} ms the stack process runs two full collections and reports its memory: what it still holds,
without the garbage of the moment, whose sawtooth would hide a slow growth for many minutes.
Target: RSS growth ≤ ${pct(s.target)} in each phase.

${table(
  [
    'phase',
    'measured',
    'schedule ticks',
    'RSS start → end',
    'RSS growth',
    'V8 heap start → end',
    'V8 heap per tick',
    'target',
  ],
  r.phases.map((p) => [
    p.name,
    `${p.seconds} s`,
    p.scheduleTicks,
    `${p.rssStartMb} → ${p.rssEndMb} MB`,
    pct(p.rssGrowth),
    `${p.heapStartMb} → ${p.heapEndMb} MB`,
    `${p.heapKbPerTick} KB`,
    p.met ? 'met' : '**missed**',
  ]),
)}

The load phase's figures include what the stack keeps by design: every task record stays in the in-memory
DynamoDB (dynalite applies no TTL), every event batch in the in-memory S3.

Load: ${r.load.tasksCompleted} tasks completed, ${r.load.eventsPosted} events posted, ${r.load.shed} not started (the stack behind the rate),
${r.load.errors} errors${r.load.firstError ? ` (first: ${r.load.firstError})` : ''}.

## RSS over time

${table(
  ['t', 'phase', 'RSS', 'V8 heap used', 'external (buffers)'],
  r.samples
    .filter((_, i) => i % timelineEvery === 0 || i === r.samples.length - 1)
    .map((x) => [
      `${Math.round(x.t)} s`,
      x.phase,
      `${mb(x.rss)} MB`,
      `${mb(x.heapUsed)} MB`,
      `${mb(x.external)} MB (${mb(x.arrayBuffers)} MB)`,
    ]),
)}
`;
}
