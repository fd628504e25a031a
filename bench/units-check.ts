import { startDynamoDbLocal, type DynamoDbLocal } from '../local/dynamodb-local';
import { startCountedStack } from './counted-stack';
import { progress } from './progress';
import { compareUnits, type UnitsComparison } from './units-compare';

/** The comparison on one engine. */
export interface EngineCheck {
  engine: string;
  comparison: UnitsComparison;
}

export interface UnitsCheckResult {
  tasks: number;
  /** The engine the cost figures come from: the embedded dynalite (or $TASKLANE_DYNAMODB_ENDPOINT). */
  embedded: EngineCheck;
  /** AWS's own engine; `skipped` says why it did not run (no Java, say). */
  dynamodbLocal: EngineCheck | { skipped: string };
}

async function countOn(tasks: number, dynamodbEndpoint: string | undefined, name?: string): Promise<EngineCheck> {
  const counted = await startCountedStack({ dynamodbEndpoint });
  try {
    const { dynamodbEngine, endpoints } = counted.stack;
    const engine =
      name ?? (dynamodbEngine === 'dynalite' ? 'dynalite' : `$TASKLANE_DYNAMODB_ENDPOINT (${endpoints.dynamodb})`);
    progress(`units check: ${tasks} generic tasks on ${engine}`);
    const { records } = await counted.run(tasks, {
      onTask: (done) => done % 5 === 0 && done < tasks && progress(`units check: ${engine}: ${done} of ${tasks} tasks`),
    });
    const comparison = compareUnits(records);
    const { model, engine: reported, ratio } = comparison.total;
    const differing = comparison.rows.filter((r) =>
      reported.indexes === 0 ? r.model.table !== r.engine.table : !r.matches,
    ).length;
    progress(
      `units check: ${engine}: model ${model.table} table + ${model.indexes} index WRU, engine ${reported.table} + ${reported.indexes} (× ${ratio.all}); ` +
        `${differing} of ${comparison.rows.length} kinds of write differ${reported.indexes === 0 ? ' in table units (no index units reported)' : ''}`,
    );
    return { engine, comparison };
  } finally {
    await counted.stop();
  }
}

/**
 * Runs generic tasks with every DynamoDB call asking for ConsumedCapacity (INDEXES), on the embedded
 * engine and on DynamoDB Local, and holds the modelled write units against the reported ones. Without
 * Java (or the jar) the DynamoDB Local half is skipped, with the reason.
 */
export async function checkUnits(tasks: number): Promise<UnitsCheckResult> {
  const embedded = await countOn(tasks, undefined);
  let local: DynamoDbLocal;
  try {
    local = await startDynamoDbLocal((line) => progress(`units check: ${line}`));
  } catch (error) {
    const skipped = (error as Error).message;
    progress(`units check: DynamoDB Local skipped: ${skipped}`);
    return { tasks, embedded, dynamodbLocal: { skipped } };
  }
  try {
    return { tasks, embedded, dynamodbLocal: await countOn(tasks, local.endpoint, 'DynamoDB Local') };
  } finally {
    await local.stop();
  }
}
