import { describe, expect, it } from 'vitest';
import { costFloor } from '../../bench/cost-floor';
import { PRICES } from '../../bench/prices';

describe('costFloor', () => {
  it('prices the reference task: 13 one-unit writes, one HTTP API request, one message sent, received and deleted, two invocations', () => {
    // Act
    const floor = costFloor(10, { api: 0, worker: 0 });

    // Assess
    expect(floor.writes).toBe(13);
    expect(floor.usdPerMillion).toBeCloseTo(
      13 * PRICES.dynamoWritePerMillion.usd +
        PRICES.apiGatewayHttpPerMillion.usd +
        3 * PRICES.sqsStandardPerMillion.usd +
        2 * PRICES.lambdaRequestsPerMillion.usd,
      1,
    );
  });

  it('adds the measured GB-seconds of the two invocations at the Arm price', () => {
    // Act
    const idle = costFloor(1, { api: 0, worker: 0 });
    const busy = costFloor(1, { api: 0.01, worker: 0.02 });

    // Assess
    expect(idle.writes).toBe(4);
    expect(busy.usdPerMillion - idle.usdPerMillion).toBeCloseTo(0.03 * PRICES.lambdaArmGbSecond.usd * 1_000_000, 2);
  });
});
