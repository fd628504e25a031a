import { Cron } from 'croner';
import { ValidationError } from './errors';
import type { FieldDetail } from './validation';

/** A cron expression and the time zone it is read in, both checked (parseCronSpec). */
export interface CronSpec {
  cron: string;
  timezone: string;
}

export const DEFAULT_TIMEZONE = 'UTC';

const CRON_RULE = 'a standard 5-field cron expression: minute hour day-of-month month day-of-week, e.g. "0 9 * * 1-5"';
const TIMEZONE_RULE = 'an IANA time zone name, e.g. "Europe/Paris" or "UTC"';
/** Numbers, `*`, lists, ranges, steps, and month or day names: what every cron understands. */
const FIELD = /^[0-9A-Za-z*,/-]+$/;
const NAMES = new Set('jan feb mar apr may jun jul aug sep oct nov dec sun mon tue wed thu fri sat'.split(' '));
/** Area/Location names (and the few single names such as UTC); offsets like "+05:00" are not zones. */
const ZONE_NAME = /^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*$/;

/**
 * Checks a cron expression and a time zone, or throws a 400 naming `cron` and/or `timezone`. Only the
 * standard 5-field form: croner would also take seconds, years, `@daily`-style nicknames and Quartz
 * extensions (`L`, `W`, `#`, `?`), which other crons read differently or not at all. The expression
 * is returned with single spaces between its fields; the zone as given.
 */
export function parseCronSpec(cron: string, timezone: string | undefined, now: Date): CronSpec {
  const details: FieldDetail[] = [];
  const zone = timezone ?? DEFAULT_TIMEZONE;
  const zoneProblem = checkTimezone(zone);
  if (zoneProblem) details.push({ field: 'timezone', rule: zoneProblem });
  const fields = cron.trim().split(/\s+/);
  const normalized = fields.join(' ');
  const cronProblem = checkFields(fields) ?? (zoneProblem ? undefined : checkPattern(normalized, zone, now));
  if (cronProblem) details.push({ field: 'cron', rule: cronProblem });
  if (details.length > 0) {
    throw new ValidationError(`The schedule is not valid: ${details.map((d) => d.field).join(' and ')}.`, details);
  }
  return { cron: normalized, timezone: zone };
}

function checkTimezone(zone: string): string | undefined {
  if (!ZONE_NAME.test(zone)) return TIMEZONE_RULE;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return undefined;
  } catch {
    return `${TIMEZONE_RULE}; "${zone}" is not one`;
  }
}

function checkFields(fields: string[]): string | undefined {
  if (fields.length !== 5) {
    return `${CRON_RULE} (got ${fields.length} field${fields.length === 1 ? '' : 's'}; seconds, years and @nicknames are not supported)`;
  }
  for (const field of fields) {
    const names = field.match(/[A-Za-z]+/g) ?? [];
    if (!FIELD.test(field) || names.some((name) => !NAMES.has(name.toLowerCase()))) {
      return `${CRON_RULE}; "${field}" uses something else than numbers, *, lists (,), ranges (-), steps (/) and month or day names`;
    }
  }
  return undefined;
}

function checkPattern(cron: string, timezone: string, now: Date): string | undefined {
  let next: Date | null;
  try {
    next = cronOf({ cron, timezone }).nextRun(now);
  } catch (error) {
    return `${CRON_RULE}; ${String((error as Error).message).replace(/^CronPattern:\s*/, '')}`;
  }
  return next ? undefined : `${CRON_RULE}; this one matches no date (e.g. February 30)`;
}

function cronOf(spec: CronSpec): Cron {
  // No callback: croner only computes times and starts no timer.
  return new Cron(spec.cron, { timezone: spec.timezone, mode: '5-part' });
}

/**
 * The first fire time strictly after `after`, as croner computes it: in the schedule's zone, with
 * daylight saving applied (a time that a spring-forward skips fires at the first minute after the
 * gap; a time that a fall-back repeats fires once, at its first occurrence; patterns with `*` or
 * steps in the hour or minute follow the clock and skip the gap). Undefined: no later time exists.
 */
export function nextFireAfter(spec: CronSpec, after: Date): Date | undefined {
  return cronOf(spec).nextRun(after) ?? undefined;
}

/** The latest fire time at or before `at` (fire times fall on whole minutes), or undefined. */
export function latestFireAtOrBefore(spec: CronSpec, at: Date): Date | undefined {
  // croner counts whole seconds and excludes the reference itself: one second on includes `at`.
  const reference = new Date(Math.floor(at.getTime() / 1000) * 1000 + 1000);
  return cronOf(spec).previousRuns(1, reference)[0];
}

/** Whether `time` is one of the spec's fire times. */
export function isFireTime(spec: CronSpec, time: Date): boolean {
  return nextFireAfter(spec, new Date(time.getTime() - 1000))?.getTime() === time.getTime();
}
