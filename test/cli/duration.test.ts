import { describe, expect, it } from 'vitest';
import { parseDuration } from '../../cli/duration';
import { CliError } from '../../cli/errors';

describe('parseDuration (cli/duration.ts)', () => {
  it.each([
    ['600', 600],
    ['0', 0],
    ['90s', 90],
    ['10m', 600],
    ['2h', 7200],
    ['1d', 86_400],
    ['365d', 31_536_000],
  ])('reads %s as %i seconds', (text, seconds) => {
    // Act
    const parsed = parseDuration(text, '--delay');

    // Assess
    expect(parsed).toBe(seconds);
  });

  it('leaves the range to the API: a duration beyond its year is still a number of seconds', () => {
    // Act
    const parsed = parseDuration('400d', '--delay');

    // Assess
    expect(parsed).toBe(34_560_000);
  });

  it.each(['', '10 m', '1.5h', '-5', '+5', '10M', '2w', '1h30m', 'm', 'PT10M', ' 10m'])(
    'refuses %j with the flag and the accepted forms',
    (text) => {
      // Act
      const parse = () => parseDuration(text, '--delay');

      // Assess
      expect(parse).toThrow(CliError);
      expect(parse).toThrow(
        `--delay takes whole seconds (600) or a whole number with a unit: 90s, 10m, 2h, 1d (got "${text}").`,
      );
    },
  );
});
