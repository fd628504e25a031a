import { describe, expect, it } from 'vitest';
import { TRANSITIONS, canTransition, type TransitionName } from '../../functions/core/state-machine';
import { TASK_STATUSES, type TaskStatus } from '../../functions/core/task';

/** Every status, written out by hand so that a new status has to be placed in the table below. */
const STATUSES: readonly TaskStatus[] = [
  'scheduled',
  'pending',
  'running',
  'retrying',
  'sleeping',
  'waiting',
  'completed',
  'failed',
  'canceled',
  'expired',
];

/**
 * DESIGN.md "Transitions", by hand:
 * - scheduled → running once its run_at has come (a delayed task)
 * - pending → running → completed | failed | canceled
 * - running → retrying → running
 * - pending | retrying → canceled at once (cancelWaiting); running is canceled by its worker (cancelRunning)
 * - scheduled | pending → expired when the first attempt did not start by start_by
 * - running → sleeping → running (ctx.sleep), running → waiting → running (a token); both cancel at once
 * - terminal states are final: never a source.
 * `start` from `running` is the redelivery after a worker died mid-attempt (DESIGN: only the final
 * attempt's death is left to the sweeper, so earlier ones must be restartable by the next delivery).
 */
const DESIGN: Record<TransitionName, { to: TaskStatus; from: readonly TaskStatus[] }> = {
  start: { to: 'running', from: ['scheduled', 'pending', 'retrying', 'running'] },
  retry: { to: 'retrying', from: ['running'] },
  complete: { to: 'completed', from: ['running'] },
  // `retrying` too: the sweeper fails a task whose worker died on its final attempt (DESIGN, Queues).
  fail: { to: 'failed', from: ['running', 'retrying'] },
  cancelRunning: { to: 'canceled', from: ['running'] },
  cancelWaiting: { to: 'canceled', from: ['scheduled', 'pending', 'retrying', 'sleeping', 'waiting'] },
  sleep: { to: 'sleeping', from: ['running'] },
  wait: { to: 'waiting', from: ['running'] },
  resume: { to: 'running', from: ['sleeping', 'waiting'] },
  expire: { to: 'expired', from: ['scheduled', 'pending'] },
};

const cells = (Object.keys(DESIGN) as TransitionName[]).flatMap((transition) =>
  STATUSES.map((status) => ({ transition, status, allowed: DESIGN[transition].from.includes(status) })),
);

describe('canTransition', () => {
  it('covers exactly the statuses and transitions of the table', () => {
    // Assess
    expect([...TASK_STATUSES].sort()).toEqual([...STATUSES].sort());
    expect(Object.keys(TRANSITIONS).sort()).toEqual(Object.keys(DESIGN).sort());
  });

  it.each(cells)('$transition from $status → $allowed', ({ transition, status, allowed }) => {
    // Act
    const result = canTransition(transition, status);

    // Assess
    expect(result).toBe(allowed);
  });

  it.each(['completed', 'failed', 'canceled', 'expired'] as const)('never leaves the terminal status %s', (status) => {
    // Act
    const allowed = (Object.keys(DESIGN) as TransitionName[]).filter((transition) => canTransition(transition, status));

    // Assess
    expect(allowed).toEqual([]);
  });
});

describe('TRANSITIONS', () => {
  it.each(Object.entries(DESIGN))('%s leads to the status DESIGN names', (transition, { to }) => {
    // Assess
    expect(TRANSITIONS[transition as TransitionName].to).toBe(to);
  });
});
