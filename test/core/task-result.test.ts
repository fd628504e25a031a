import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { PermanentTaskError } from '../../functions/core/errors';
import { RESULT_FILES, loadResult } from '../../functions/core/result-store';
import { recordableResult, resultLink } from '../../functions/core/task-result';
import { TASK_STORAGE } from '../../functions/core/task-storage';
import { FIXED_NOW } from '../helpers/factories';
import { MemoryResultStore } from '../helpers/memory-result-store';

const task = { tenant: 'acme', id: '01JTASK' };
const sha = (text: string) => createHash('sha256').update(text).digest('hex');

describe('recordableResult', () => {
  it.each<{ case: string; result: unknown }>([
    { case: 'nothing', result: undefined },
    { case: 'null', result: null },
    {
      case: 'a summary object',
      result: { steps: 5, elapsed_ms: 1000, errors: [{ line: 3, error: 'payload.to: must be an e-mail address' }] },
    },
  ])('keeps $case on the record', async ({ result }) => {
    const store = new MemoryResultStore();
    expect(await recordableResult(result, task, store)).toEqual({ result });
    expect(store.objects.size).toBe(0);
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
  ])('turns $case into a PermanentTaskError naming the field and rule', async ({ result, message }) => {
    // Act
    const error = await recordableResult(result, task, new MemoryResultStore());

    // Assess
    expect(error).toBeInstanceOf(PermanentTaskError);
    expect((error as Error).message).toMatch(/^The task's result cannot be stored: /);
    expect((error as Error).message).toMatch(message);
  });

  it('writes a result over the record budget to the store under the tenant and task, and it reads back whole', async () => {
    // Prepare
    const store = new MemoryResultStore();
    const result = { report: 'x'.repeat(TASK_STORAGE.resultBytes), rows: [1, 2, 3] };

    // Act
    const stored = await recordableResult(result, task, store);

    // Assess
    if (stored instanceof PermanentTaskError) throw stored;
    expect(stored.result).toBeUndefined();
    expect(stored.ref?.key).toMatch(/^results\/acme\/01JTASK\/result-[0-9A-Z]{26}\.json$/);
    expect(stored.ref?.bytes).toBe(Buffer.byteLength(JSON.stringify(result)));
    expect(sha(JSON.stringify(await loadResult(store, stored.ref!)))).toBe(sha(JSON.stringify(result)));
  });

  it('refuses a result over the file limit, saying the limit', async () => {
    const store = new MemoryResultStore();
    const error = await recordableResult({ blob: 'y'.repeat(RESULT_FILES.maxBytes) }, task, store);
    expect(error).toBeInstanceOf(PermanentTaskError);
    expect((error as Error).message).toMatch(new RegExp(`at most ${RESULT_FILES.maxBytes} bytes of JSON`));
    expect(store.objects.size).toBe(0);
  });

  it('refuses a result over the record budget when there is no store', async () => {
    const error = await recordableResult({ report: 'x'.repeat(TASK_STORAGE.resultBytes) }, task, undefined);
    expect((error as Error).message).toMatch(new RegExp(`at most ${TASK_STORAGE.resultBytes} bytes as stored`));
  });
});

describe('resultLink', () => {
  it('links a stored result with the link expiry', async () => {
    const link = await resultLink(
      { result_ref: { key: 'results/acme/t/result-1.json', bytes: 9 } },
      new MemoryResultStore(),
      FIXED_NOW,
    );
    expect(link).toEqual({
      result_url: 'https://files.example/results/acme/t/result-1.json?signed',
      result_url_expires_at: new Date(FIXED_NOW.getTime() + 3600_000).toISOString(),
    });
  });

  it('adds nothing for a result on the record', async () => {
    expect(await resultLink({}, new MemoryResultStore(), FIXED_NOW)).toEqual({});
  });
});
