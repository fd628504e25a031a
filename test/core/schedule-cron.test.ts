import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../functions/core/errors';
import {
  isFireTime,
  latestFireAtOrBefore,
  nextFireAfter,
  parseCronSpec,
  type CronSpec,
} from '../../functions/core/schedule-cron';

const NOW = new Date('2026-03-04T10:15:30.000Z');

/** The 400's details, or a failure if it did not throw one. */
function detailsOf(act: () => unknown): { field: string; rule: string }[] {
  try {
    act();
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return (error as ValidationError).details as { field: string; rule: string }[];
  }
  throw new Error('expected a ValidationError');
}

const next = (spec: CronSpec, after: string, count = 1) => {
  const out: string[] = [];
  let at = new Date(after);
  for (let i = 0; i < count; i++) {
    at = nextFireAfter(spec, at)!;
    out.push(at.toISOString());
  }
  return out;
};

describe('parseCronSpec', () => {
  it('accepts a standard expression, defaults the zone to UTC and normalizes the spacing', () => {
    // Act
    const spec = parseCronSpec('  0   9 * * MON-FRI ', undefined, NOW);

    // Assess
    expect(spec).toEqual({ cron: '0 9 * * MON-FRI', timezone: 'UTC' });
  });

  it.each([['*/15 * * * *'], ['0 0 1,15 * *'], ['30 8-18/2 * jan-jun 1-5'], ['0 0 * * 7'], ['0 0 29 2 *']])(
    'accepts %s',
    (cron) => {
      expect(parseCronSpec(cron, 'Europe/Paris', NOW).cron).toBe(cron);
    },
  );

  it.each([
    ['6 fields (seconds)', '0 0 9 * * *', /got 6 fields; seconds, years and @nicknames are not supported/],
    ['7 fields (years)', '0 0 9 * * * 2027', /got 7 fields/],
    ['a nickname', '@daily', /got 1 field;/],
    ['4 fields', '0 9 * *', /got 4 fields/],
    ['a Quartz L', '0 0 L * *', /"L" uses something else/],
    ['a Quartz ?', '0 0 ? * MON', /"\?" uses something else/],
    ['a Quartz #', '0 0 * * 5#2', /"5#2" uses something else/],
    ['a word', '0 0 * * funday', /"funday" uses something else/],
    ['minute 60', '60 * * * *', /Invalid value for minute: 60/],
    ['a step of 0', '*/0 * * * *', /illegal stepping/],
    ['a backwards range', '5-1 * * * *', /larger than to value/],
    ['February 30', '0 0 30 2 *', /matches no date/],
  ])('refuses %s with a 400 naming cron', (_, cron, rule) => {
    // Act
    const details = detailsOf(() => parseCronSpec(cron, undefined, NOW));

    // Assess
    expect(details).toHaveLength(1);
    expect(details[0]!.field).toBe('cron');
    expect(details[0]!.rule).toMatch(/^a standard 5-field cron expression/);
    expect(details[0]!.rule).toMatch(rule);
  });

  it.each([['Mars/Olympus_Mons'], ['+05:00'], ['local'], ['Europe/']])(
    'refuses the time zone %s with a 400 naming timezone',
    (timezone) => {
      expect(detailsOf(() => parseCronSpec('0 9 * * *', timezone, NOW))).toEqual([
        { field: 'timezone', rule: expect.stringMatching(/^an IANA time zone name/) },
      ]);
    },
  );

  it('names both fields when both are wrong', () => {
    expect(detailsOf(() => parseCronSpec('0 9 * * * *', 'Nowhere/City', NOW)).map((d) => d.field)).toEqual([
      'timezone',
      'cron',
    ]);
  });
});

describe('nextFireAfter', () => {
  it('reads the expression in the schedule’s zone', () => {
    // 09:00 in Paris is 08:00 UTC in winter.
    expect(next({ cron: '0 9 * * *', timezone: 'Europe/Paris' }, '2026-01-10T12:00:00Z', 2)).toEqual([
      '2026-01-11T08:00:00.000Z',
      '2026-01-12T08:00:00.000Z',
    ]);
  });

  it('is strictly after the given time, so a fire time moves on to the next', () => {
    expect(next({ cron: '*/5 * * * *', timezone: 'UTC' }, '2026-01-10T12:05:00.000Z')).toEqual([
      '2026-01-10T12:10:00.000Z',
    ]);
  });

  it('fires a daily time that the spring-forward skips at the first minute after the gap (America/New_York)', () => {
    // 2026-03-08: clocks go from 02:00 EST to 03:00 EDT, so 02:30 does not exist that day.
    expect(next({ cron: '30 2 * * *', timezone: 'America/New_York' }, '2026-03-07T12:00:00Z', 3)).toEqual([
      '2026-03-08T07:00:00.000Z', // 03:00 EDT
      '2026-03-09T06:30:00.000Z', // 02:30 EDT
      '2026-03-10T06:30:00.000Z',
    ]);
  });

  it('fires a daily time that the fall-back repeats once, at its first occurrence (America/New_York)', () => {
    // 2026-11-01: clocks go from 02:00 EDT back to 01:00 EST, so 01:30 happens twice.
    expect(next({ cron: '30 1 * * *', timezone: 'America/New_York' }, '2026-10-31T12:00:00Z', 2)).toEqual([
      '2026-11-01T05:30:00.000Z', // 01:30 EDT
      '2026-11-02T06:30:00.000Z', // 01:30 EST the next day
    ]);
  });

  it('keeps an interval pattern on the clock across the spring-forward: the missing half hours are skipped', () => {
    expect(next({ cron: '*/30 * * * *', timezone: 'America/New_York' }, '2026-03-08T06:00:00Z', 3)).toEqual([
      '2026-03-08T06:30:00.000Z', // 01:30 EST
      '2026-03-08T07:00:00.000Z', // 03:00 EDT
      '2026-03-08T07:30:00.000Z', // 03:30 EDT
    ]);
  });
});

describe('latestFireAtOrBefore', () => {
  const hourly = { cron: '0 * * * *', timezone: 'UTC' };

  it.each([
    ['on a fire time itself', '2026-01-10T12:00:00.000Z', '2026-01-10T12:00:00.000Z'],
    ['just after one', '2026-01-10T12:00:00.900Z', '2026-01-10T12:00:00.000Z'],
    ['between two', '2026-01-10T12:59:59.999Z', '2026-01-10T12:00:00.000Z'],
  ])('finds the latest time %s', (_, at, expected) => {
    expect(latestFireAtOrBefore(hourly, new Date(at))?.toISOString()).toBe(expected);
  });
});

describe('isFireTime', () => {
  it('tells a fire time from another time', () => {
    const spec = { cron: '30 2 * * *', timezone: 'America/New_York' };
    expect(isFireTime(spec, new Date('2026-03-09T06:30:00.000Z'))).toBe(true);
    expect(isFireTime(spec, new Date('2026-03-09T06:31:00.000Z'))).toBe(false);
    // The skipped 02:30 fires at 03:00 that day, and that is a fire time of the schedule.
    expect(isFireTime(spec, new Date('2026-03-08T07:00:00.000Z'))).toBe(true);
  });
});
