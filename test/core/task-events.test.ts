import { describe, expect, it } from 'vitest';
import { currentStateEvent, eventsAfter, isFinalEvent, parseLastEventId } from '../../functions/core/task-events';
import type { StatusChange } from '../../functions/core/task';
import { taskItem } from '../helpers/factories';

const ID = '01JNK8Z6S4Y5Q3W2E1R0T9P8N7';
const M = 1_000_000;
const at = '2025-03-04T05:00:00.000Z';

/** A task whose attempt 1 failed and was retried, now running attempt 2 with two progress writes. */
function retriedAndRunning() {
  const history: StatusChange[] = [
    { seq: 0, status: 'pending', attempt: 0, at, progress: 0 },
    { seq: M, status: 'running', attempt: 1, at, progress: 0 },
    { seq: 2 * M, status: 'retrying', attempt: 1, at },
    { seq: 3 * M, status: 'running', attempt: 2, at, progress: 0 },
  ];
  return taskItem({
    status: 'running',
    attempts: 2,
    progress: 40,
    progress_message: 'step 2/5',
    seq: 3 * M + 2,
    status_history: history,
  });
}

describe('currentStateEvent', () => {
  it('is a status event with the current seq, progress and progress message', () => {
    // Act
    const event = currentStateEvent(retriedAndRunning());

    // Assess
    expect(event).toEqual({
      event: 'status',
      id: 3 * M + 2,
      data: { task_id: ID, status: 'running', progress: 40, attempt: 2, message: 'step 2/5' },
    });
  });

  it('carries the error of a failed task as its message', () => {
    // Act
    const event = currentStateEvent(
      taskItem({
        status: 'failed',
        attempts: 5,
        progress: 60,
        seq: 11 * M,
        error: { name: 'RetryableTaskError', message: 'upstream 503' },
      }),
    );

    // Assess
    expect(event.data).toEqual({ task_id: ID, status: 'failed', progress: 60, attempt: 5, message: 'upstream 503' });
    expect(isFinalEvent(event)).toBe(true);
  });
});

describe('eventsAfter', () => {
  it('replays every status change after the given seq, then the current progress', () => {
    // Act
    const events = eventsAfter(retriedAndRunning(), M + 3, 70);

    // Assess
    expect(events).toEqual([
      { event: 'status', id: 2 * M, data: { task_id: ID, status: 'retrying', progress: 70, attempt: 1 } },
      { event: 'status', id: 3 * M, data: { task_id: ID, status: 'running', progress: 0, attempt: 2 } },
      {
        event: 'progress',
        id: 3 * M + 2,
        data: { task_id: ID, status: 'running', progress: 40, attempt: 2, message: 'step 2/5' },
      },
    ]);
  });

  it('sends only the progress when no status changed since', () => {
    // Act
    const events = eventsAfter(retriedAndRunning(), 3 * M + 1);

    // Assess
    expect(events.map((e) => [e.event, e.id])).toEqual([['progress', 3 * M + 2]]);
  });

  it.each([
    ['the client is up to date', 3 * M + 2],
    ['a stale read is older than what was sent', 3 * M + 5],
  ])('sends nothing when %s', (_, after) => {
    expect(eventsAfter(retriedAndRunning(), after)).toEqual([]);
  });

  it('gives the latest status change the progress and error the task has now', () => {
    // Prepare
    const task = taskItem({
      status: 'retrying',
      attempts: 1,
      progress: 55,
      seq: 2 * M,
      error: { name: 'Error', message: 'boom' },
      status_history: [
        { seq: M, status: 'running', attempt: 1, at, progress: 0 },
        { seq: 2 * M, status: 'retrying', attempt: 1, at },
      ],
    });

    // Act
    const events = eventsAfter(task, M + 7, 50);

    // Assess
    expect(events).toEqual([
      {
        event: 'status',
        id: 2 * M,
        data: { task_id: ID, status: 'retrying', progress: 55, attempt: 1, message: 'boom' },
      },
    ]);
  });

  it('ends with the final status event of a completed task', () => {
    // Prepare
    const task = taskItem({
      status: 'completed',
      attempts: 1,
      progress: 100,
      seq: 2 * M,
      status_history: [
        { seq: M, status: 'running', attempt: 1, at, progress: 0 },
        { seq: 2 * M, status: 'completed', attempt: 1, at, progress: 100 },
      ],
    });

    // Act
    const events = eventsAfter(task, M + 9);

    // Assess
    expect(events).toHaveLength(1);
    expect(isFinalEvent(events[0]!)).toBe(true);
  });

  it('falls back to the current state for a task written before the change feed existed', () => {
    // Prepare
    const task = taskItem({ status: 'running', attempts: 1, progress: 20, seq: 3 });

    // Act
    const events = eventsAfter(task, 1);

    // Assess
    expect(events).toEqual([currentStateEvent(task)]);
  });
});

describe('eventsAfter with durable steps', () => {
  const t = (second: number) => new Date(Date.UTC(2025, 2, 4, 5, 0, second)).toISOString();
  /**
   * A workflow run: `prepare` stored on attempt 1, `process` failed it, attempt 2 stored `process`
   * and reported progress, then `cool-down` suspended the task (its step change one past the status change's).
   */
  function sleepingWorkflow() {
    const history: StatusChange[] = [
      { seq: 0, status: 'pending', attempt: 0, at: t(0), progress: 0 },
      { seq: M, status: 'running', attempt: 1, at: t(1), progress: 0 },
      { seq: 2 * M, status: 'retrying', attempt: 1, at: t(3) },
      { seq: 3 * M, status: 'running', attempt: 2, at: t(4), progress: 0 },
      { seq: 4 * M, status: 'sleeping', attempt: 2, at: t(6) },
    ];
    return taskItem({
      status: 'sleeping',
      attempts: 2,
      progress: 50,
      seq: 4 * M + 1,
      progress_seq: 3 * M + 2,
      status_history: history,
      steps: {
        prepare: { kind: 'step', index: 0, status: 'completed', attempts: 1, started_at: t(1), ended_at: t(2) },
        process: { kind: 'step', index: 1, status: 'completed', attempts: 2, started_at: t(4), ended_at: t(5) },
        'cool-down': { kind: 'sleep', index: 2, status: 'sleeping', attempts: 1, started_at: t(6), wake_at: t(66) },
      },
      step_seqs: { 'cool-down': 4 * M + 1, process: 3 * M + 1, prepare: M + 1 },
    });
  }

  it('interleaves step events with status events in seq order, each step with its latest status', () => {
    // Act
    const events = eventsAfter(sleepingWorkflow(), M, 0);

    // Assess
    expect(events.map((e) => [e.id, e.event, e.event === 'step' ? e.data.name : e.data.status])).toEqual([
      [M + 1, 'step', 'prepare'],
      [2 * M, 'status', 'retrying'],
      [3 * M, 'status', 'running'],
      [3 * M + 1, 'step', 'process'],
      [4 * M, 'status', 'sleeping'],
      [4 * M + 1, 'step', 'cool-down'],
    ]);
    expect(events[3]).toEqual({
      event: 'step',
      id: 3 * M + 1,
      data: { name: 'process', kind: 'step', status: 'completed', attempts: 2, at: t(5) },
    });
    expect(events[5]!.data).toEqual({ name: 'cool-down', kind: 'sleep', status: 'sleeping', attempts: 1, at: t(6) });
  });

  it.each([
    ['a step event', 3 * M + 1, [4 * M, 4 * M + 1]],
    ['a status event', 4 * M, [4 * M + 1]],
    ['the last event', 4 * M + 1, []],
  ])('resumes after %s with exactly the later events', (_, after, ids) => {
    expect(eventsAfter(sleepingWorkflow(), after).map((e) => e.id)).toEqual(ids);
  });

  it('does not send the progress again when a step was stored after it', () => {
    // Prepare: running attempt 2 with progress at 3M+2 and `finish` stored at 3M+3.
    const task = {
      ...sleepingWorkflow(),
      status: 'running' as const,
      seq: 3 * M + 3,
      status_history: sleepingWorkflow().status_history!.slice(0, 4),
      step_seqs: { finish: 3 * M + 3 },
      steps: {
        finish: {
          kind: 'step' as const,
          index: 3,
          status: 'completed' as const,
          attempts: 1,
          started_at: t(7),
          ended_at: t(8),
        },
      },
    };

    // Act
    const events = eventsAfter(task, 3 * M + 2);

    // Assess
    expect(events.map((e) => [e.id, e.event])).toEqual([[3 * M + 3, 'step']]);
  });

  it('sends a stored step once, not also as progress, in an attempt that reported no progress', () => {
    // Prepare: attempt 1 running, `prepare` stored at M+1 and `process` at M+2; no progress write yet.
    const { progress_seq: _none, ...withoutProgressSeq } = sleepingWorkflow();
    const task = {
      ...withoutProgressSeq,
      status: 'running' as const,
      attempts: 1,
      progress: 0,
      seq: M + 2,
      status_history: sleepingWorkflow().status_history!.slice(0, 2),
      step_seqs: { prepare: M + 1, process: M + 2 },
    };

    // Act
    const events = eventsAfter(task, M + 1);

    // Assess
    expect(events.map((e) => [e.id, e.event])).toEqual([[M + 2, 'step']]);
  });

  it('sends nothing after the final status event, though a child marked its spawn step later', () => {
    // Prepare: the parent completed at 2M; its child ended afterwards (seq 2M + 1).
    const task = taskItem({
      status: 'completed',
      attempts: 1,
      progress: 100,
      seq: 2 * M + 1,
      status_history: [
        { seq: M, status: 'running', attempt: 1, at: t(1), progress: 0 },
        { seq: 2 * M, status: 'completed', attempt: 1, at: t(3), progress: 100 },
      ],
      steps: { child: { kind: 'child', index: 0, status: 'completed', attempts: 1, started_at: t(2), ended_at: t(9) } },
      step_seqs: { child: 2 * M + 1 },
    });

    // Act
    const events = eventsAfter(task, M);
    const afterFinal = eventsAfter(task, 2 * M);

    // Assess
    expect(events.map((e) => e.id)).toEqual([2 * M]);
    expect(afterFinal).toEqual([]);
  });
});

describe('parseLastEventId', () => {
  it.each([
    ['3000002', 3000002],
    [' 0 ', 0],
    [undefined, undefined],
    ['', undefined],
    ['-1', undefined],
    ['1e6', undefined],
    ['12abc', undefined],
    ['9'.repeat(16), undefined],
  ])('reads %j as %j', (header, expected) => {
    expect(parseLastEventId(header)).toBe(expected);
  });
});
