/**
 * `npm run test:fidelity`: the integration tier against AWS's own DynamoDB engine (DynamoDB Local)
 * instead of dynalite, which accepts requests real DynamoDB refuses. Needs Java; `npm test` does not.
 * Extra arguments go to vitest (a file filter, say).
 */
import { spawn } from 'node:child_process';
import { startDynamoDbLocal } from '../../local/dynamodb-local';

const log = (line: string) => console.log(`[fidelity] ${line}`);
const started = Date.now();
const engine = await startDynamoDbLocal(log).catch((error: Error) => {
  console.error(`[fidelity] ${error.message}`);
  process.exit(2);
});
log(
  `DynamoDB Local answers on ${engine.endpoint} (${Date.now() - started} ms); running the integration tier against it`,
);

const vitest = spawn(
  process.execPath,
  ['node_modules/vitest/vitest.mjs', 'run', '--project', 'integration', ...process.argv.slice(2)],
  {
    stdio: 'inherit',
    env: { ...process.env, TASKLANE_DYNAMODB_ENDPOINT: engine.endpoint },
  },
);
const stopAll = () => vitest.kill('SIGINT');
process.once('SIGINT', stopAll);
process.once('SIGTERM', stopAll);
const code = await new Promise<number>((resolve) =>
  vitest.once('exit', (exitCode, signal) => resolve(exitCode ?? (signal ? 1 : 0))),
);
await engine.stop();
process.exit(code);
