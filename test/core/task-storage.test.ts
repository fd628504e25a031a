import { describe, expect, it } from 'vitest';
import { PermanentTaskError } from '../../functions/core/errors';
import { TASK_STORAGE, clipMessage, unstorableResult } from '../../functions/core/task-storage';

describe('unstorableResult', () => {
  it.each<{ case: string; result: unknown }>([
    { case: 'nothing', result: undefined },
    { case: 'null', result: null },
    {
      case: 'a summary object',
      result: { steps: 5, elapsed_ms: 1000, errors: [{ line: 3, error: 'payload.to: must be an e-mail address' }] },
    },
  ])('accepts $case', ({ result }) => {
    expect(unstorableResult(result)).toBeUndefined();
  });

  it.each<{ case: string; result: unknown; message: RegExp }>([
    {
      case: 'an unsafe integer',
      result: { rows: 2 ** 60 },
      message: /result\.rows must be a number of at most 9007199254740991/,
    },
    { case: 'a Date', result: { at: new Date(0) }, message: /result\.at must be a JSON value/ },
    { case: 'an empty key', result: { '': 1 }, message: /result\[""\] must be a non-empty key/ },
    {
      case: '40 nested arrays',
      result: JSON.parse(`${'['.repeat(40)}${']'.repeat(40)}`),
      message: /nested at most 31/,
    },
    {
      case: 'more than the result budget',
      result: { report: 'x'.repeat(TASK_STORAGE.resultBytes) },
      message: new RegExp(`at most ${TASK_STORAGE.resultBytes} bytes`),
    },
  ])('turns $case into a PermanentTaskError naming the field and rule', ({ result, message }) => {
    // Act
    const error = unstorableResult(result);

    // Assess
    expect(error).toBeInstanceOf(PermanentTaskError);
    expect(error?.message).toMatch(/^The task's result cannot be stored: /);
    expect(error?.message).toMatch(message);
  });
});

describe('clipMessage', () => {
  it('keeps a message up to the limit whole', () => {
    const text = 'x'.repeat(TASK_STORAGE.messageChars);
    expect(clipMessage(text)).toBe(text);
  });

  it('cuts a longer one and says how much was cut', () => {
    // Act
    const clipped = clipMessage('y'.repeat(TASK_STORAGE.messageChars + 1_000_000));

    // Assess
    expect(clipped.startsWith('y'.repeat(TASK_STORAGE.messageChars))).toBe(true);
    expect(clipped).toMatch(/ … \[1000000 more characters cut\]$/);
  });
});
