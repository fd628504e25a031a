import { CliError } from './errors';

/** Seconds in one of each unit a duration may carry; no unit means seconds. */
const UNIT_SECONDS = { s: 1, m: 60, h: 3600, d: 86_400 } as const;

/**
 * Whole seconds from `600`, `90s`, `10m`, `2h` or `1d`; anything else is a usage error naming `flag`.
 * Only the form is checked here: the range is the API's to refuse, with its own limit in the message.
 */
export function parseDuration(text: string, flag: string): number {
  // By hand rather than with a library such as `ms`: those also take `1.5h`, `100ms` or `1 week`,
  // which are not whole seconds or not forms we document.
  const match = /^(\d+)([smhd]?)$/.exec(text);
  if (!match)
    throw new CliError(
      `${flag} takes whole seconds (600) or a whole number with a unit: 90s, 10m, 2h, 1d (got "${text}").`,
    );
  const unit = (match[2] || 's') as keyof typeof UNIT_SECONDS;
  return Number(match[1]) * UNIT_SECONDS[unit];
}
