/**
 * How much each benchmark does. `BENCH_QUICK=1` runs the same code with small counts (about a minute),
 * to check the benchmark itself works; only the full run gives figures worth quoting.
 */
export const QUICK = process.env.BENCH_QUICK === '1';

const FULL = {
  /** Fresh Node processes per bundle for the init time (after one discarded warm-up). */
  coldStartRuns: 30,
  /** Generic tasks (10 steps, 10 written progress updates) counted for the AWS bill. */
  costTasks: 100,
  /** Generic tasks with one progress update (the fewest generic allows) counted, then as many timed, for the second bill. */
  costLowProgressTasks: 50,
  /** Generic tasks whose modelled DynamoDB write units are held against the engines' reports (embedded, then DynamoDB Local). */
  unitsCheckTasks: 20,
  /** Tasks timed without the counting (which slows the calls down) for Lambda durations. */
  costTimedTasks: 50,
  /** Zero-work tasks pushed end to end for tasks/s. */
  e2eTasks: 2000,
  /** Tasks in flight at once during the end-to-end run (the client waits for each to complete). */
  e2eConcurrency: 20,
  /** Seconds of load per API route. */
  apiSeconds: 10,
  /** Open connections of the load generator. */
  apiConnections: 20,
  /** Single-event POST /events requests, flushed into batches. */
  events: 2000,
  eventsConcurrency: 20,
  /** Calls per operation in the raw SDK loop against the emulators. */
  rawOps: 3000,
  /** Tasks run under the CPU profiler (separately from the timed run, so it does not slow it). */
  profileTasks: 500,
  /** Delayed tasks timed from run_at to start, and as many immediate ones timed from creation (the baseline). */
  delayedTasks: 50,
  /** Fairness: zero-work tasks tenant A creates in one burst (apiConnections at a time), before tenant B creates its own. */
  fairnessTasksA: 5000,
  /** Fairness: zero-work tasks of tenant B, alone on the stack (the baseline), then right after A's burst. */
  fairnessTasksB: 10,
  /**
   * Fairness: the per-tenant running cap of the second configuration. Equal to B's tasks, so B never waits
   * on its own cap and any extra wait is A's doing; a tenth of the 100 generic attempts the stack runs at
   * once (10 concurrent invocations × batches of 10), so A alone cannot fill the workers.
   */
  fairnessConcurrencyPerTenant: 10,
};

export type BenchSettings = typeof FULL;

export const SETTINGS: BenchSettings = QUICK
  ? {
      ...FULL,
      coldStartRuns: 5,
      costTasks: 20,
      costTimedTasks: 10,
      costLowProgressTasks: 10,
      unitsCheckTasks: 5,
      e2eTasks: 200,
      apiSeconds: 2,
      events: 200,
      rawOps: 300,
      profileTasks: 100,
      delayedTasks: 10,
      fairnessTasksA: 300,
    }
  : FULL;

/**
 * The targets of issue 8: init and bundle size against the reference handler (issue 17 tightened init from
 * 1.2× to 1.1×); of issue 15: a tenant's queue
 * wait behind another tenant's burst, as a multiple of its wait on an idle stack; of issue 17: dollars per
 * million generic tasks with a webhook, against a fixed figure and against the floor (bench/cost-floor.ts),
 * for the reference workload (10 progress updates) and the low-progress one, and per million runs of a
 * 5-step workflow.
 */
export const TARGETS = {
  initRatio: 1.1,
  sizeRatio: 1.2,
  usdPerMillion: 12,
  vsFloor: 1.05,
  lowProgressUsdPerMillion: 5,
  fairnessWaitRatio: 2,
  workflowUsdPerMillion: 15,
} as const;
