import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../functions/core/errors';
import { isPastStartBy, queueDelay, resolveTiming, runAtUpTo } from '../../functions/core/task-timing';
import { FIXED_NOW } from '../helpers/factories';

const at = (seconds: number) => new Date(FIXED_NOW.getTime() + seconds * 1000).toISOString();

function fieldsOf(run: () => unknown): string[] {
  try {
    run();
  } catch (error) {
    if (error instanceof ValidationError) return (error.details as { field: string }[]).map((d) => d.field);
    throw error;
  }
  throw new Error('expected a ValidationError');
}

describe('resolveTiming', () => {
  it('runs at once without timing fields, and with delay_seconds 0', () => {
    // Assess
    expect(resolveTiming({}, FIXED_NOW)).toEqual({ runAt: undefined, startBy: undefined });
    expect(resolveTiming({ delay_seconds: 0 }, FIXED_NOW)).toEqual({ runAt: undefined, startBy: undefined });
  });

  it('turns delay_seconds and ttl_seconds into times counted from creation', () => {
    // Act
    const timing = resolveTiming({ delay_seconds: 90, ttl_seconds: 120 }, FIXED_NOW);

    // Assess
    expect(timing).toEqual({ runAt: at(90), startBy: at(120) });
  });

  it('normalises run_at and start_by given with an offset to UTC', () => {
    // Act
    const timing = resolveTiming(
      { run_at: '2025-03-04T07:06:07+01:00', start_by: '2025-03-04T07:16:07+01:00' },
      FIXED_NOW,
    );

    // Assess: FIXED_NOW is 05:06:07Z; 07:06:07+01:00 is an hour later.
    expect(timing).toEqual({ runAt: at(3600), startBy: at(4200) });
  });

  it.each([
    [{ run_at: at(-1) }, ['run_at']],
    [{ run_at: at(0) }, ['run_at']],
    [{ run_at: at(31_536_001) }, ['run_at']],
    [{ run_at: at(60), delay_seconds: 60 }, ['run_at', 'delay_seconds']],
    [{ start_by: at(-1) }, ['start_by']],
    [{ start_by: at(60), ttl_seconds: 60 }, ['start_by', 'ttl_seconds']],
    [{ delay_seconds: 60, start_by: at(59) }, ['start_by']],
    [{ delay_seconds: 60, ttl_seconds: 59 }, ['ttl_seconds']],
    [{ delay_seconds: 60, start_by: at(60 + 31_536_001) }, ['start_by']],
  ])('refuses %j naming %j', (input, fields) => {
    // Assess
    expect(fieldsOf(() => resolveTiming(input, FIXED_NOW))).toEqual(fields);
  });
});

describe('queueDelay', () => {
  it('sends at once what has no run time, and what is due within 15 minutes with the delay rounded up', () => {
    // Assess
    expect(queueDelay(undefined, FIXED_NOW)).toEqual({ delaySeconds: 0 });
    expect(queueDelay(at(-5), FIXED_NOW)).toEqual({ delaySeconds: 0 });
    expect(queueDelay(new Date(FIXED_NOW.getTime() + 2_001).toISOString(), FIXED_NOW)).toEqual({ delaySeconds: 3 });
    expect(queueDelay(at(900), FIXED_NOW)).toEqual({ delaySeconds: 900 });
  });

  it('leaves what is further ahead than a message can wait to the sweeper', () => {
    // Assess
    expect(queueDelay(at(901), FIXED_NOW)).toBeUndefined();
  });
});

describe('start checks', () => {
  it('accepts a delivery up to a second early, and expires only a task that never started', () => {
    // Assess
    expect(runAtUpTo(at(0))).toBe(at(1));
    expect(isPastStartBy({ start_by: at(-1), attempts: 0 }, at(0))).toBe(true);
    expect(isPastStartBy({ start_by: at(-1), attempts: 1 }, at(0))).toBe(false);
    expect(isPastStartBy({ start_by: at(1), attempts: 0 }, at(0))).toBe(false);
    expect(isPastStartBy({ attempts: 0 }, at(0))).toBe(false);
  });
});
