import { setTimeout as sleep } from 'node:timers/promises';
import { NotFoundError } from './errors';
import { TASK_ID_PATTERN } from './ids';
import type { Clock, ReadOptions } from './ports';
import { isTerminal, type Task } from './task';
import { currentStateEvent, eventsAfter, isFinalEvent, type TaskEvent } from './task-events';

/** Timing of a task stream; every value in one place (README: "Live progress"). */
export interface WatchSettings {
  /**
   * How often an open stream reads the task. One eventually consistent GetItem a second is 60 reads
   * (30 RRU) a minute per stream: bars move at the ~1 Hz the workers write progress at anyway.
   */
  pollIntervalMs: number;
  /** A comment line after this long without an event, so proxies and idle timeouts keep the connection. */
  heartbeatMs: number;
  /**
   * The stream ends cleanly after this long and the client reconnects with Last-Event-ID: a
   * streaming Lambda behind API Gateway is cut at 15 minutes.
   * https://docs.aws.amazon.com/apigateway/latest/developerguide/response-transfer-mode.html
   */
  maxDurationMs: number;
  /** Reconnect delay the stream suggests to clients (SSE `retry:`). */
  retryMs: number;
  /**
   * How often an open stream checks that its caller's key still authenticates: a key revoked while
   * its stream runs ends the stream within this long (plus one poll), instead of at maxDurationMs.
   */
  authRecheckMs: number;
}

export const WATCH_DEFAULTS: WatchSettings = {
  pollIntervalMs: 1000,
  // Well inside API Gateway's 5-minute idle timeout for regional endpoints and common 30–60 s proxy timeouts.
  heartbeatMs: 15_000,
  maxDurationMs: 14 * 60_000,
  retryMs: 1000,
  // The bound a revoked key has on new requests anyway: API Gateway caches the authorizer's answer
  // (authorizerCacheTtlSeconds, 60 by default). One key read a minute per stream costs 0.5 RRU.
  authRecheckMs: 60_000,
};

/** The read the watch needs: TaskStore.get satisfies it. */
export interface TaskReader {
  get(tenant: string, id: string, options?: ReadOptions): Promise<Task | undefined>;
}

export interface WatchDeps {
  reader: TaskReader;
  clock: Clock;
  settings: WatchSettings;
}

/** What a stream sends next: an event or a heartbeat comment; `revoked` ends it (the caller's key no longer authenticates). */
export type WatchItem = { kind: 'event'; event: TaskEvent } | { kind: 'heartbeat' } | { kind: 'revoked' };

/**
 * One client's view of one task's events. `open` reads the task once (consistently, so a task
 * created a moment ago is found) and fails with NotFoundError before any stream starts; `follow`
 * then polls with eventually consistent reads, which cost half and whose occasional staleness the
 * seq comparison absorbs.
 */
export class TaskWatch {
  private cursor: number;
  private lastProgress: number;
  private done: boolean;

  private constructor(
    private readonly deps: WatchDeps,
    private readonly tenant: string,
    private readonly id: string,
    /** Events to send at once: the current state, or what a resuming client missed. */
    readonly initial: TaskEvent[],
    cursor: number,
  ) {
    this.cursor = cursor;
    this.lastProgress = lastProgressOf(initial, 0);
    this.done = initial.some(isFinalEvent);
  }

  static async open(deps: WatchDeps, tenant: string, id: string, lastEventId?: number): Promise<TaskWatch> {
    const task = TASK_ID_PATTERN.test(id) ? await deps.reader.get(tenant, id) : undefined;
    if (!task) throw new NotFoundError(`No task with id "${id}".`);
    const seq = task.seq ?? 0;
    // A Last-Event-ID from the future is not ours to trust: start over with the current state.
    const resuming = lastEventId !== undefined && lastEventId <= seq;
    const initial = resuming ? eventsAfter(task, lastEventId) : [currentStateEvent(task)];
    const watch = new TaskWatch(deps, tenant, id, initial, seq);
    // Nothing missed and the task is over: the client already saw the final event.
    if (resuming && initial.length === 0 && isTerminal(task.status)) watch.done = true;
    return watch;
  }

  /** True once the final status event is among the events sent (or was seen before a resume). */
  get finished(): boolean {
    return this.done;
  }

  /**
   * Polls until the final status event, the maximum duration or `signal`, yielding what to send.
   * With `stillAuthorized`, asks it every `authRecheckMs` and ends with `revoked` once it says no.
   */
  async *follow(signal: AbortSignal, stillAuthorized?: () => Promise<boolean>): AsyncGenerator<WatchItem> {
    const { clock, settings, reader } = this.deps;
    const startedAt = clock.now().getTime();
    let lastSentAt = startedAt;
    let lastAuthorizedAt = startedAt;
    while (!this.done) {
      const elapsed = clock.now().getTime() - startedAt;
      if (elapsed >= settings.maxDurationMs) return;
      try {
        await sleep(Math.min(settings.pollIntervalMs, settings.maxDurationMs - elapsed), undefined, { signal });
      } catch {
        return; // aborted: the client went away
      }
      if (stillAuthorized && clock.now().getTime() - lastAuthorizedAt >= settings.authRecheckMs) {
        if (!(await stillAuthorized())) {
          yield { kind: 'revoked' };
          return;
        }
        lastAuthorizedAt = clock.now().getTime();
      }
      const task = await reader.get(this.tenant, this.id, { consistent: false });
      // Gone (its TTL passed): nothing more will happen to it.
      if (!task) return;
      const events = eventsAfter(task, this.cursor, this.lastProgress);
      this.cursor = Math.max(this.cursor, task.seq ?? 0);
      for (const event of events) {
        this.lastProgress = lastProgressOf([event], this.lastProgress);
        this.done ||= isFinalEvent(event);
        yield { kind: 'event', event };
      }
      const now = clock.now().getTime();
      if (events.length > 0) lastSentAt = now;
      else if (now - lastSentAt >= settings.heartbeatMs) {
        lastSentAt = now;
        yield { kind: 'heartbeat' };
      }
    }
  }
}

/** The progress of the last status or progress event among `events`; `otherwise` if none has one. */
function lastProgressOf(events: readonly TaskEvent[], otherwise: number): number {
  for (const event of [...events].reverse()) if (event.event !== 'step') return event.data.progress;
  return otherwise;
}
