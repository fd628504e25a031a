import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import dynalite from 'dynalite';

export interface TestDynamo {
  endpoint: string;
  /** `dynalite`, or `external` when TASKLANE_DYNAMODB_ENDPOINT names another engine (the fidelity tier). */
  engine: 'dynalite' | 'external';
  stop(): Promise<void>;
}

/** The DynamoDB an adapter test talks to: the engine the fidelity tier names, else a fresh dynalite. */
export async function startTestDynamo(): Promise<TestDynamo> {
  const external = process.env.TASKLANE_DYNAMODB_ENDPOINT;
  if (external) return { endpoint: external, engine: 'external', stop: async () => {} };
  const server: Server = dynalite({ createTableMs: 0 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    engine: 'dynalite',
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** A table name no other test file on a shared engine uses. */
export const uniqueTableName = (prefix: string) =>
  `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
