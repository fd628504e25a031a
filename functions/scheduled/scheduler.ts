/** Lambda entry of the scheduler, run every minute by an EventBridge schedule: fires the cron schedules due. */
import { buildSchedulerFromEnv } from './build-scheduler';

export const handler = buildSchedulerFromEnv();
