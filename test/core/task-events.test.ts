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
