import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAwsClients, type AwsClients } from '../../functions/adapters/aws-clients';
import { DynamoConcurrencySlots } from '../../functions/adapters/dynamo-concurrency-slots';
import { createTable } from '../../local/provision';
import { startTestDynamo, uniqueTableName, type TestDynamo } from '../helpers/dynamo-endpoint';

const TABLE = uniqueTableName('tasklane-slots-test');

/** Concurrency slots as DynamoDB evaluates their conditional writes (dynalite, or DynamoDB Local in the fidelity tier). */
describe('DynamoConcurrencySlots (emulator)', () => {
  let dynamo: TestDynamo;
  let clients: AwsClients;
  let now = new Date('2026-03-04T10:00:00.000Z');
  let slots: DynamoConcurrencySlots;
  const inMinutes = (minutes: number) => new Date(now.getTime() + minutes * 60_000);

  beforeAll(async () => {
    dynamo = await startTestDynamo();
    clients = createAwsClients({ region: 'us-east-1', endpoints: { dynamodb: dynamo.endpoint } });
    await createTable(clients.dynamo, TABLE);
    slots = new DynamoConcurrencySlots(clients.dynamo, TABLE, { now: () => now });
  });
  afterAll(() => dynamo?.stop());

  it('gives out at most `limit` slots of a scope, and one again once a holder releases it', async () => {
    // Act
    const first = await slots.acquire('key#acme#generic#a', 'h1', 2, inMinutes(5));
    const second = await slots.acquire('key#acme#generic#a', 'h2', 2, inMinutes(5));
    const third = await slots.acquire('key#acme#generic#a', 'h3', 2, inMinutes(5));
    const otherScope = await slots.acquire('key#acme#generic#b', 'h4', 2, inMinutes(5));
    await slots.release('key#acme#generic#a', 'h1');
    const afterRelease = await slots.acquire('key#acme#generic#a', 'h3', 2, inMinutes(5));

    // Assess
    expect([first, second, third, otherScope, afterRelease]).toEqual([true, true, false, true, true]);
  });

  it("frees a dead holder's slot when its lease ends", async () => {
    // Prepare
    await slots.acquire('key#acme#generic#lease', 'dead', 1, inMinutes(2));

    // Act
    const whileLeased = await slots.acquire('key#acme#generic#lease', 'next', 1, inMinutes(2));
    now = inMinutes(3);
    const afterLease = await slots.acquire('key#acme#generic#lease', 'next', 1, inMinutes(2));

    // Assess
    expect(whileLeased).toBe(false);
    expect(afterLease).toBe(true);
  });

  it('never gives the last slot to two of many concurrent takers', async () => {
    // Act
    const taken = await Promise.all(
      Array.from({ length: 12 }, (_, i) => slots.acquire('tenant#acme#generic', `h${i}`, 3, inMinutes(5))),
    );

    // Assess
    expect(taken.filter(Boolean)).toHaveLength(3);
  });

  it('gives every one of many concurrent takers a slot while slots are free (no take lost to a race)', async () => {
    // Act
    const taken = await Promise.all(
      Array.from({ length: 30 }, (_, i) => slots.acquire('tenant#acme#export', `h${i}`, 50, inMinutes(5))),
    );

    // Assess
    expect(taken.every(Boolean)).toBe(true);
  });

  it('ignores the release of a slot it does not hold', async () => {
    // Act & Assess
    await expect(slots.release('key#acme#generic#none', 'nobody')).resolves.toBeUndefined();
    await expect(slots.release('key#acme#generic#a', 'nobody')).resolves.toBeUndefined();
  });
});
