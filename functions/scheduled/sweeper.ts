/** Lambda entry of the sweeper, run every minute by an EventBridge schedule. */
import { buildSweeperFromEnv } from './build-sweeper';

export const handler = buildSweeperFromEnv();
