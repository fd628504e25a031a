/** Lambda entry of a task type's worker: one function per type, chosen by TASKLANE_TASK_TYPE. */
import { buildWorkerFromEnv } from './build';

export const handler = buildWorkerFromEnv();
