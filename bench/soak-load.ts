import { setTimeout as sleep } from 'node:timers/promises';

/** How often a client asks whether its task ended. */
const POLL_MS = 250;
/** A short real task: two steps, two progress writes. */
const TASK = { type: 'generic', payload: { steps: 2, step_ms: 100 } };
const EVENT = { user: 'soak', action: 'tick' };
/** Tasks and events in flight at most; past this the backlog of the load generator, not the stack, would grow. */
const MAX_IN_FLIGHT = 100;

export interface LoadCounts {
  tasksCompleted: number;
  eventsPosted: number;
  /** Requests and events not started because too many were in flight: the stack fell behind the rate. */
  shed: number;
  /** Requests that failed and tasks that ended other than `completed`. */
  errors: number;
  firstError?: string;
}

/**
 * A steady load on the local API: `tasksPerSecond` generic tasks, each followed until it ends,
 * and `eventsPerSecond` single events, which the flush drains into batches.
 */
export class SteadyLoad {
  readonly counts: LoadCounts = { tasksCompleted: 0, eventsPosted: 0, shed: 0, errors: 0 };
  private readonly inFlight = new Set<Promise<void>>();
  private readonly timers: NodeJS.Timeout[] = [];

  constructor(
    private readonly api: { apiUrl: string; apiKey: string },
    private readonly rates: { tasksPerSecond: number; eventsPerSecond: number },
  ) {}

  start(): void {
    this.every(this.rates.tasksPerSecond, () => this.runTask());
    this.every(this.rates.eventsPerSecond, () =>
      this.request('POST', '/events', EVENT).then(() => void this.counts.eventsPosted++),
    );
  }

  /** Stops starting work and waits for the tasks in flight to end. */
  async stop(): Promise<LoadCounts> {
    this.timers.forEach(clearInterval);
    await Promise.all(this.inFlight);
    return this.counts;
  }

  private every(perSecond: number, work: () => Promise<void>): void {
    if (perSecond <= 0) return;
    const timer = setInterval(() => {
      if (this.inFlight.size >= MAX_IN_FLIGHT) return void this.counts.shed++;
      const running = work()
        .catch((error: unknown) => this.fail(error))
        .finally(() => this.inFlight.delete(running));
      this.inFlight.add(running);
    }, 1000 / perSecond);
    this.timers.push(timer);
  }

  private async runTask(): Promise<void> {
    const { task_id } = await this.request<{ task_id: string }>('POST', '/tasks', TASK);
    for (;;) {
      await sleep(POLL_MS);
      const { status } = await this.request<{ status: string }>('GET', `/tasks/${task_id}`);
      if (status === 'completed') break;
      if (status === 'failed' || status === 'canceled') throw new Error(`task ${task_id} ended ${status}`);
    }
    this.counts.tasksCompleted++;
  }

  private async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await fetch(`${this.api.apiUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${this.api.apiKey}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (res.status >= 300) throw new Error(`${method} ${path} answered ${res.status}: ${await res.text()}`);
    return (await res.json()) as T;
  }

  private fail(error: unknown): void {
    this.counts.errors++;
    this.counts.firstError ??= String(error);
  }
}
