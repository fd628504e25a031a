import { PRICES } from './prices';
import { round } from './stats';

/**
 * The least a generic task with a webhook can cost on this architecture (issue 17), priced from the
 * same table as the measured bill: each write once at one unit (create, start, each progress update,
 * complete), one API request at the HTTP API's price, one SQS message sent, received and deleted, two
 * Lambda invocations (the API and the worker) for the durations measured in the same run. Everything
 * above it is what the design adds: index writes, larger items, reads, the webhook's own bookkeeping.
 */
export interface CostFloor {
  writes: number;
  lines: Array<{ item: string; usd: number }>;
  usdPerMillion: number;
}

/** The floor for tasks writing `progressUpdates` progress updates, with the API and worker GB-seconds per task. */
export function costFloor(progressUpdates: number, gbSeconds: { api: number; worker: number }): CostFloor {
  const writes = 3 + progressUpdates;
  const lines = [
    { item: `DynamoDB writes (${writes} × 1 WRU)`, usd: writes * PRICES.dynamoWritePerMillion.usd },
    { item: 'API Gateway HTTP API request', usd: PRICES.apiGatewayHttpPerMillion.usd },
    { item: 'SQS send, receive, delete', usd: 3 * PRICES.sqsStandardPerMillion.usd },
    { item: 'Lambda requests (api, worker)', usd: 2 * PRICES.lambdaRequestsPerMillion.usd },
    {
      item: 'Lambda duration (api, worker, as measured)',
      usd: (gbSeconds.api + gbSeconds.worker) * PRICES.lambdaArmGbSecond.usd * 1_000_000,
    },
  ].map((l) => ({ item: l.item, usd: round(l.usd, 3) }));
  return {
    writes,
    lines,
    usdPerMillion: round(
      lines.reduce((s, l) => s + l.usd, 0),
      2,
    ),
  };
}
