import type { CostResult } from './aws-cost';
import type { ColdStartResult } from './cold-start';
import type { DelayedStartResult } from './delayed-start';
import type { FairnessResult, FairnessRun } from './fairness';
import { PRICES, PRICES_RECORDED } from './prices';
import { TARGETS, type BenchSettings } from './settings';
import type { ThroughputResult } from './throughput';
import type { UnitsComparison, UnitsRow } from './units-compare';
import type { UnitsCheckResult } from './units-check';
import { renderWorkflow, workflowTarget, type WorkflowResult } from './workflow-bench';

export interface BenchResults {
  meta: {
    date: string;
    commit: string;
    uncommittedChanges: boolean;
    node: string;
    cpus: number;
    cpuModel: string;
    loadAverage: { start: number; end: number };
    quick: boolean;
    settings: BenchSettings;
    seconds: number;
  };
  coldStart: ColdStartResult;
  cost: CostResult;
  units: UnitsCheckResult;
  throughput: ThroughputResult;
  delayed: DelayedStartResult;
  fairness: FairnessResult;
  workflow: WorkflowResult;
}

export interface TargetCheck {
  target: string;
  value: string;
  met: boolean;
}

export function targetsOf(results: BenchResults): TargetCheck[] {
  const { functions } = results.coldStart;
  return [
    ...functions.map((f) => ({
      target: `${f.name}: init ≤ ${TARGETS.initRatio}× reference`,
      value: `${f.initRatio}×`,
      met: f.initRatio <= TARGETS.initRatio,
    })),
    ...functions.map((f) => ({
      target: `${f.name}: bundle ≤ ${TARGETS.sizeRatio}× reference`,
      value: `${f.sizeRatio}×`,
      met: f.sizeRatio <= TARGETS.sizeRatio,
    })),
    ...costTargets(results.cost),
    workflowTarget(results.workflow),
    {
      target: 'no delayed task starts before its run_at',
      value: `${results.delayed.startedEarly} of ${results.delayed.tasks} early`,
      met: results.delayed.startedEarly === 0,
    },
    ...results.fairness.runs.map((r) => ({
      target: `tenant B's queue wait after ${results.fairness.tasksA} tasks of tenant A ≤ ${results.fairness.target}× idle, p50 and p99 (${configuration(r)})`,
      value: `${times(r.b.ratio.p50)} / ${times(r.b.ratio.p99)}`,
      met: r.b.met,
    })),
  ];
}

/** A fairness run's configuration, as the report names it. */
export function configuration(r: FairnessRun): string {
  return r.concurrencyPerTenant === null ? 'stack as is' : `concurrencyPerTenant ${r.concurrencyPerTenant}`;
}

const table = (header: string[], rows: Array<Array<string | number>>) =>
  [
    `| ${header.join(' | ')} |`,
    `|${header.map(() => '---').join('|')}|`,
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ].join('\n');
const pct = (share: number) => `${Math.round(share * 100)} %`;
/** Milliseconds to one decimal: the runs are not more precise than that. */
const ms = (value: number) => value.toFixed(1);
const mark = (met: boolean) => (met ? 'met' : '**missed**');
/** A ratio as `n×`, or n/a where its baseline was 0. */
const times = (r: number | null) => (r === null ? 'n/a' : `${r}×`);

/** The bundles and cold start section, also written alone by `npm run bench:bundles` (bench/bundles-run.ts). */
export function coldStartSection({ coldStart: c }: Pick<BenchResults, 'coldStart'>): string {
  return `## Bundles and cold start

Every Lambda entry bundled with the stack's esbuild options (infra/constructs/tasklane-function.ts);
sizes of the deployed build (target node24, minified, source map apart), init times of the same
build for node20 (this machine's Node), loaded with \`--enable-source-maps\` in ${c.runs} fresh
processes each. Reference = a handler that only constructs the SDK clients the function calls.

${table(
  [
    'function',
    'bundle KB',
    'reference KB',
    'size ×',
    'init p50 / p90 ms',
    'reference p50 / p90 ms',
    'init ×',
    'SDK clients bundled',
  ],
  c.functions.map((f) => [
    f.name,
    f.kb,
    f.referenceKb,
    f.sizeRatio,
    `${ms(f.initMs.p50)} / ${ms(f.initMs.p90)}`,
    `${ms(f.referenceInitMs.p50)} / ${ms(f.referenceInitMs.p90)}`,
    f.initRatio,
    f.sdkPackages.map((p) => p.replace('@aws-sdk/', '')).join(', '),
  ]),
)}

Baselines: empty handler ${c.emptyKb} KB, init p50 ${ms(c.emptyInitMs.p50)} ms; references ${c.references
    .map((r) => `${r.name.replace('reference:', '')} ${r.kb} KB, ${ms(r.initMs.p50)} ms`)
    .join('; ')}.${c.notes.length ? `\n\n${c.notes.map((n) => `- ${n}`).join('\n')}` : ''}
`;
}

/** Issue 17's targets: the reference workload's dollars and its multiple of the floor, the low-progress workload's dollars. */
function costTargets(c: CostResult): TargetCheck[] {
  const workload = (w: CostResult['lowProgress']) =>
    `generic tasks (${w.payload.steps} progress update${w.payload.steps === 1 ? '' : 's'}${w.webhook.included ? ', webhook' : ''})`;
  return [
    {
      target: `≤ $${TARGETS.usdPerMillion} per million ${workload(c)}`,
      value: `$${c.usdPerMillion.total}`,
      met: c.usdPerMillion.total <= TARGETS.usdPerMillion,
    },
    {
      target: `≤ ${TARGETS.vsFloor}× floor, ${workload(c)}`,
      value: `${c.vsFloor}× ($${c.floor.usdPerMillion})`,
      met: c.vsFloor <= TARGETS.vsFloor,
    },
    {
      target: `≤ $${TARGETS.lowProgressUsdPerMillion} per million ${workload(c.lowProgress)}`,
      value: `$${c.lowProgress.usdPerMillion.total}`,
      met: c.lowProgress.usdPerMillion.total <= TARGETS.lowProgressUsdPerMillion,
    },
  ];
}

function lowProgressLine(l: CostResult['lowProgress']): string {
  const invocations = l.perTask.lambda.reduce((n, f) => n + f.invocations, 0);
  return `Low-progress workload: ${l.tasks} generic tasks (\`${JSON.stringify(l.payload)}\`, the fewest progress updates generic allows), webhook: ${l.webhook.note}. Per task: SQS ${l.perTask.sqsRequests} requests, DynamoDB ${l.perTask.dynamo.wru} WRU and ${l.perTask.dynamo.rru} RRU, Lambda ${invocations} invocations: **$${l.usdPerMillion.total}** per million, ${l.vsFloor}× its floor of $${l.floor.usdPerMillion} (${l.floor.writes} writes).`;
}

function costSection({ cost: c }: BenchResults): string {
  const p = c.perTask;
  const calls = Object.entries(p.calls)
    .map(([k, v]) => `${k} ${v.calls}${v.wru ? ` (${v.wru} WRU)` : ''}${v.rru ? ` (${v.rru} RRU)` : ''}`)
    .join(', ');
  return `## AWS requests and cost per task

${c.tasks} generic tasks (\`${JSON.stringify(c.payload)}\`, every progress update written, as when they
come ≥ 1 s apart) through the embedded stack, every AWS call counted; webhook: ${c.webhook.note}.
DynamoDB write units from the item images before and after each write, indexes included (DynamoDB's
rules, checked against DynamoDB Local below); read units from ConsumedCapacity. Lambda durations from a second, uncounted pass, one task at a time.

Per task: ${p.apiGatewayRequests} API Gateway request; ${p.lambda
    .map((l) => `${l.function} ${l.invocations} invocation × ${ms(l.ms.p50)} ms p50 at ${l.memoryMb} MB`)
    .join(
      '; ',
    )}; SQS ${p.sqsRequests} requests; DynamoDB ${p.dynamo.wru} WRU (table ${p.dynamo.wruTable}, indexes ${p.dynamo.wruIndexes}) and ${p.dynamo.rru} RRU; S3 ${p.s3.put + p.s3.get}; SES ${p.ses}.
Calls: ${calls}.

${table(
  ['item', '$ per million tasks'],
  [
    ...c.usdPerMillion.lines.map((l) => [l.item, l.usd.toFixed(2)]),
    ['**total**', `**${c.usdPerMillion.total.toFixed(2)}**`],
  ],
)}

By function: ${Object.entries(c.usdPerMillion.byFunction)
    .map(([who, usd]) => `${who} $${usd.toFixed(2)}`)
    .join(', ')}.

Floor (bench/cost-floor.ts, same prices, this run's api and worker durations): ${c.floor.lines
    .map((l) => `${l.item} $${l.usd}`)
    .join(', ')}: **$${c.floor.usdPerMillion}** per million; measured **${c.vsFloor}×** the floor.

${lowProgressLine(c.lowProgress)}

Targets: ≤ $${TARGETS.usdPerMillion} ${mark(c.usdPerMillion.total <= TARGETS.usdPerMillion)}, ≤ ${TARGETS.vsFloor}× floor ${mark(c.vsFloor <= TARGETS.vsFloor)}, low-progress ≤ $${TARGETS.lowProgressUsdPerMillion} ${mark(c.lowProgress.usdPerMillion.total <= TARGETS.lowProgressUsdPerMillion)}. ${
    p.dynamo.wruKeysOnly < p.dynamo.wru
      ? `With every index KEYS_ONLY (progress writes would touch no index): ${p.dynamo.wruKeysOnly} WRU per task, **$${c.usdPerMillion.totalWithKeysOnlyIndexes}** per million.`
      : 'Index writes are already at their KEYS_ONLY floor: what remains are status changes moving index keys.'
  }
Orchestration alone elsewhere: Step Functions Standard $${c.comparison.stepFunctionsStandardTransitions}
per million (5 state transitions), QStash $${c.comparison.qstashMessages} per million (1 message).
Not per task, so not above: idle long polling (${c.idleReceives} empty receives in this run), the
scheduled sweeper and flush, CloudWatch Logs, X-Ray. Prices: ${PRICES_RECORDED}, bench/prices.ts.${c.notes.length ? `\n\n${c.notes.map((n) => `- ${n}`).join('\n')}` : ''}
`;
}

const ratioOf = (r: number | null) => (r === null ? 'n/a' : String(r));
const sumUnits = (u: { table: number; indexes: number }) => u.table + u.indexes;

function unitsRow(r: UnitsRow, bold = false): Array<string | number> {
  const b = (v: string | number) => (bold ? `**${v}**` : v);
  return [
    b(r.write),
    b(r.calls),
    b(r.model.table),
    b(r.engine.table),
    b(r.model.indexes),
    b(r.engine.indexes),
    `${ratioOf(r.ratio.table)} / ${ratioOf(r.ratio.indexes)}`,
    r.matches ? '' : '**≠**',
  ];
}

function unitsTable(c: UnitsComparison): string {
  return table(
    [
      'write (origin, operation, key prefix)',
      'calls',
      'model table',
      'engine table',
      'model indexes',
      'engine indexes',
      'engine ÷ model (table / indexes)',
      '',
    ],
    [...c.rows.map((r) => unitsRow(r)), unitsRow(c.total, true)],
  );
}

function failedLine(c: UnitsComparison): string {
  const t = c.total;
  if (!t.failed) return 'No write failed.';
  return `${t.failed} writes failed (${c.rows
    .filter((r) => r.failed)
    .map((r) => `${r.write} ${r.failed}`)
    .join(
      ', ',
    )}): the model charges them ${sumUnits(t.failedModel)} WRU, kept out of the table, since the engine's error carries no ConsumedCapacity.`;
}

/** Where flagged rows differ, index by index (the table shows sums only). */
function differencesLine(c: UnitsComparison): string {
  const differing = c.rows.filter((r) => !r.matches);
  if (!differing.length) return 'Model and engine agree on every kind of write, table and each index.';
  return `Differences: ${differing
    .map((r) => {
      const indexes = Object.entries(r.byIndex)
        .filter(([, i]) => i.model !== i.engine)
        .map(([name, i]) => `${name} ${i.model} → ${i.engine}`);
      const table = r.model.table === r.engine.table ? [] : [`table ${r.model.table} → ${r.engine.table}`];
      const unreported = r.unreported ? [`${r.unreported} successful writes reported no units`] : [];
      return `${r.write}: ${[...table, ...indexes, ...unreported].join(', ')}`;
    })
    .join('; ')} (model → engine).`;
}

/** The write-unit model against the units DynamoDB Local (and the embedded engine) reported, without a heading. */
export function renderUnits(u: UnitsCheckResult): string {
  const e = u.embedded.comparison;
  const embedded = `${u.embedded.engine}: model ${e.total.model.table} table + ${e.total.model.indexes} index WRU, reported ${e.total.engine.table} + ${e.total.engine.indexes} (${
    e.total.engine.indexes === 0 && e.total.model.indexes > 0
      ? 'it reports no index units for writes, only Table'
      : `× ${ratioOf(e.total.ratio.all)}`
  }); table units differ in ${e.rows.filter((r) => r.model.table !== r.engine.table).length} of ${e.rows.length} kinds of write; ${e.reads.rru} RRU over ${e.reads.calls} reads.`;
  const local =
    'skipped' in u.dynamodbLocal
      ? `DynamoDB Local: **not run**: ${u.dynamodbLocal.skipped}`
      : [
          "DynamoDB Local (AWS's engine):",
          unitsTable(u.dynamodbLocal.comparison),
          `${differencesLine(u.dynamodbLocal.comparison)} ${failedLine(u.dynamodbLocal.comparison)} Reads: ${u.dynamodbLocal.comparison.reads.rru} RRU over ${u.dynamodbLocal.comparison.reads.calls} calls.`,
        ].join('\n\n');
  return `${u.tasks} generic tasks per engine, every DynamoDB call asking for \`ReturnConsumedCapacity: INDEXES\`; units summed
over the run. Model: bench/dynamo-units.ts from the item images before and after each write (the units the
cost is priced from); engine: the ConsumedCapacity it answered. **≠** marks a kind of write where the two differ.

${local}

${embedded}
`;
}

function throughputSection({ throughput: t }: BenchResults): string {
  const e = t.endToEnd;
  const shares = Object.entries(t.profile.shares)
    .map(([k, v]) => `${k} ${pct(v)}`)
    .join(', ');
  return `## Local throughput, latency, memory

The local stack in its own process (one core), load from another.

- **End to end**: ${e.tasks} zero-work tasks, ${e.concurrency} in flight (each client polls GET every
  20 ms): **${e.tasksPerSecond} tasks/s**; POST → completed p50 ${ms(e.clientMs.p50)} ms, p99 ${ms(e.clientMs.p99)} ms
  (record created → ended p50 ${ms(e.recordMs.p50)} ms).
${t.api.map((a) => `- **${a.route}** (autocannon, ${a.connections} connections, ${a.seconds} s): ${a.requestsPerSecond} req/s, p50 ${a.latencyMs.p50} ms, p99 ${a.latencyMs.p99} ms${a.non2xx ? `, ${a.non2xx} non-2xx` : ''}`).join('\n')}
- The ${t.backlog.tasks} tasks that POST load created drained ${t.backlog.drainSeconds} s after it: ${t.backlog.tasksPerSecond} tasks/s overall.
- **Events**: ${t.events.events} single-event POST /events (${t.events.concurrency} connections: ${t.events.postRequestsPerSecond} req/s,
  p50 ${t.events.postLatencyMs.p50} ms, p99 ${t.events.postLatencyMs.p99} ms), all flushed into batches ${t.events.seconds} s after the first: **${t.events.eventsPerSecond} events/s**.
- **Raw SDK loops** on the same emulators (${t.raw[0]?.calls} calls, concurrency ${e.concurrency}): ${t.raw
    .map((r) => `${r.operation} ${r.opsPerSecond}/s (emulator CPU ${r.emulatorCpuMs} ms a call)`)
    .join(', ')}.
- **Emulators vs our code**: a task costs the stack's process ${t.emulatorShare.stackCpuMsPerTask} ms CPU, of which the
  emulators ≈ ${t.emulatorShare.emulatorCpuMsPerTask} ms (**${pct(t.emulatorShare.share)}**, from the calls per task × the raw loops'
  cost); alone they would allow ≈ ${t.emulatorShare.emulatorBoundTasksPerSecond} tasks/s. Calls per task: ${Object.entries(
    t.emulatorShare.callsPerTask,
  )
    .map(([k, v]) => `${k} ${v}`)
    .join(', ')}. CPU profile of ${t.profile.cpuMs} ms: ${shares}.
- **Memory** (RSS of the stack's process): ${t.memory.idleMb} MB idle, peak ${t.memory.maxRssMb} MB (${Object.entries(
    t.memory.peakMbByPhase,
  )
    .map(([k, v]) => `${k} ${v}`)
    .join(', ')}).
`;
}

function delayedSection({ delayed: d }: BenchResults): string {
  return `## Delayed tasks: start lag

${d.tasks} zero-work tasks with \`run_at\` ${d.delaysMs.from / 1000}–${d.delaysMs.to / 1000} s ahead (spread to the millisecond), on a fresh local
stack in its own process; baseline: ${d.tasks} tasks without a delay, sent the same way just before.

- **Lag** (started_at − run_at): p50 ${ms(d.lagMs.p50)} ms, p99 ${ms(d.lagMs.p99)} ms, max ${ms(d.lagMs.max)} ms; **${d.startedEarly}** started before their run_at.
- **Baseline** queue wait (started_at − created_at): p50 ${ms(d.immediateWaitMs.p50)} ms, p99 ${ms(d.immediateWaitMs.p99)} ms; lag ÷ wait ${times(d.ratio.p50)} at p50, ${times(d.ratio.p99)} at p99.

Where the lag comes from: SQS delays are whole seconds, rounded up so a task never starts early (0–1 s, half a
second on average for a \`run_at\` at any millisecond; whole \`delay_seconds\` lose next to nothing), plus the
queue wait of any task (locally the poller's 1 s long poll, which fauxqs ends within about 20 ms of a message
becoming visible, and the worker's start; in AWS, the Lambda event source mapping's polling).
`;
}

function fairnessSection({ fairness: f }: BenchResults): string {
  const drained = (r: FairnessRun) =>
    r.a.drain.drained
      ? `${r.a.drain.seconds} s`
      : `> ${r.a.drain.seconds} s (${r.a.drain.ended} ended; the bench stopped waiting)`;
  return `## Fairness between tenants

On a fresh local stack per configuration, in its own process: tenant B creates ${f.tasksB} zero-work tasks alone, one
after another (the baseline); then tenant A creates ${f.tasksA} (${f.connections} connections) and, as soon as the
last is answered, B creates ${f.tasksB} more. B's queue wait is started_at − created_at; target (issue 15): behind A,
at most ${f.target}× B's idle wait, at p50 and at p99.

${table(
  [
    'configuration',
    "B's wait idle, p50 / p99 ms",
    "B's wait after A, p50 / p99 ms",
    '× idle, p50 / p99',
    'target',
    "A's tasks not started when B came",
    'A drained in (first created → last ended)',
    'A tasks/s',
    'A running at once, peak',
    'deliveries deferred',
  ],
  f.runs.map((r) => [
    configuration(r),
    `${ms(r.b.idleMs.p50)} / ${ms(r.b.idleMs.p99)}`,
    `${ms(r.b.loadedMs.p50)} / ${ms(r.b.loadedMs.p99)}`,
    `${times(r.b.ratio.p50)} / ${times(r.b.ratio.p99)}`,
    mark(r.b.met),
    r.a.aheadOfB,
    drained(r),
    r.a.tasksPerSecond,
    r.a.peakRunning,
    r.resent,
  ]),
)}

"Deliveries deferred": messages sent to the queue beyond one per task (a delivery over the cap is deleted and sent
anew 1–2 s later, the range doubling per deferral in a row up to 30 s, not counted as an attempt; a task pending for 5 minutes is re-sent by the sweeper too). The bench
waits ${f.patienceSeconds} s after A's burst for it to drain. In AWS a task's message carries MessageGroupId = its
tenant, which makes the standard queue an [SQS fair queue](https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-fair-queues.html):
once one tenant holds a disproportionate share of the messages in flight, SQS serves the other tenants' messages
first. fauxqs accepts the attribute but serves a standard queue in the order sent, so here B's messages wait behind
every message of A's sent before them, and the per-tenant cap only bounds how many of A's run at once. These
figures are the local stack's; they say nothing of SQS's reordering.
`;
}

/** The short summary worth committing: figures, baselines, targets and how the run was made. */
export function renderMarkdown(results: BenchResults): string {
  const m = results.meta;
  const targets = targetsOf(results);
  return `# Tasklane benchmarks${m.quick ? ' (QUICK run: small counts, not figures to quote)' : ''}

${m.date.slice(0, 10)} · commit ${m.commit}${m.uncommittedChanges ? ' + uncommitted changes' : ''} · Node ${m.node} · ${m.cpus} × ${m.cpuModel} ·
load average ${m.loadAverage.start} → ${m.loadAverage.end} · ${m.seconds} s · \`npm run bench\` (bench/results/${m.quick ? 'quick' : 'latest'}.json has everything)

## Targets

${table(
  ['target', 'measured', ''],
  targets.map((t) => [t.target, t.value, mark(t.met)]),
)}

${coldStartSection(results)}
${costSection(results)}
${renderWorkflow(results.workflow)}
## DynamoDB write units: model against engine

${renderUnits(results.units)}
${throughputSection(results)}
${delayedSection(results)}
${fairnessSection(results)}
Prices used (${PRICES_RECORDED}): ${Object.values(PRICES)
    .map((p) => `${p.what} $${p.usd} (${p.source})`)
    .join('; ')}.
`;
}
