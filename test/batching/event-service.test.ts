import { describe, expect, it } from 'vitest';
import { EventService } from '../../functions/batching/event-service';
import type { StoredEvent } from '../../functions/batching/model';
import type { EventStore } from '../../functions/batching/ports';
import { PayloadTooLargeError, ValidationError } from '../../functions/core/errors';
import type { Log } from '../../functions/core/ports';
import { FIXED_NOW } from '../helpers/factories';

const silent: Log = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

/** The service over an in-memory buffer that records every append. */
function setup() {
  const appended: StoredEvent[][] = [];
  const store = {
    append: async (events: StoredEvent[]) => {
      appended.push(events);
    },
    countWaiting: async () => appended.flat().length,
  } as Pick<EventStore, 'append' | 'countWaiting'> as EventStore;
  const service = new EventService({
    store,
    trigger: { trigger: async () => undefined },
    clock: { now: () => FIXED_NOW },
    log: silent,
  });
  return { service, appended };
}

/** 30 good events with one bad one at index 27, as JSON text (so the bad one can be any JSON). */
const thirtyWithBad = (bad: string) =>
  `[${Array.from({ length: 30 }, (_, i) => (i === 27 ? bad : `{"n":${i}}`)).join(',')}]`;

describe('EventService.accept', () => {
  it.each<{ case: string; bad: string; field: string }>([
    { case: '32 nested objects', bad: `${'{"a":'.repeat(31)}{}${'}'.repeat(31)}`, field: `body[27]${'.a'.repeat(31)}` },
    {
      case: '5,000 nested objects',
      bad: `${'{"a":'.repeat(4999)}{}${'}'.repeat(4999)}`,
      field: `body[27]${'.a'.repeat(31)}`,
    },
    { case: 'an empty key', bad: '{"": 1}', field: 'body[27][""]' },
    { case: 'a __proto__ key', bad: '{"__proto__": {"x": 1}}', field: 'body[27].__proto__' },
    { case: 'an unsafe integer', bad: '{"id": 9007199254740993}', field: 'body[27].id' },
    { case: '1e21', bad: '{"n": 1e21}', field: 'body[27].n' },
    { case: '1e308', bad: '{"n": 1e308}', field: 'body[27].n' },
    { case: '0.1e-300', bad: '{"n": 0.1e-300}', field: 'body[27].n' },
  ])(
    'refuses an array whose event 27 holds $case with a 400 naming it, and stores none of the 30',
    async ({ bad, field }) => {
      // Prepare
      const { service, appended } = setup();

      // Act
      const error = await service.accept('acme', JSON.parse(thirtyWithBad(bad))).catch((e: unknown) => e);

      // Assess
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).details).toEqual([{ field, rule: expect.any(String) }]);
      expect(appended).toEqual([]);
    },
  );

  it('refuses a single event object naming body and the path inside it', async () => {
    // Prepare
    const { service, appended } = setup();

    // Act
    const error = await service.accept('acme', JSON.parse('{"order": {"total": 1e21}}')).catch((e: unknown) => e);

    // Assess
    expect((error as ValidationError).details).toEqual([
      { field: 'body.order.total', rule: expect.stringContaining('9007199254740991') },
    ]);
    expect(appended).toEqual([]);
  });

  it('still answers an event over 64 KiB with 413', async () => {
    // Prepare
    const { service } = setup();

    // Act & Assess
    await expect(service.accept('acme', [{}, { pad: 'x'.repeat(70 * 1024) }])).rejects.toBeInstanceOf(
      PayloadTooLargeError,
    );
  });

  it('stores 30 good events in one append, in order', async () => {
    // Prepare
    const { service, appended } = setup();

    // Act
    const ids = await service.accept('acme', JSON.parse(thirtyWithBad('{"n":27}')));

    // Assess
    expect(ids).toHaveLength(30);
    expect(appended.flat().map((e) => (e.body as { n: number }).n)).toEqual([...Array(30).keys()]);
  });
});
