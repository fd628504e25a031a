/** Lambda entry of the event flush: every minute by an EventBridge schedule, and early when the API asks. */
import { buildFlushFromEnv } from './build-flush';

export const handler = buildFlushFromEnv();
