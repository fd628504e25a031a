/** @tasklane/client: a typed client of the Tasklane API for Node.js 20+ and browsers. */
export { Tasklane, type TasklaneOptions } from './client';
export {
  ConflictError,
  NotFoundError,
  PayloadTooLargeError,
  RateLimitedError,
  ServerError,
  TasklaneApiError,
  TasklaneConnectionError,
  TasklaneError,
  TasklaneTimeoutError,
  UnauthorizedError,
  ValidationError,
  WebhookVerificationError,
  type ApiErrorCode,
  type FieldIssue,
} from './errors';
export { Paginated, type Page } from './pages';
export type { AnyTaskTypes, CreateScheduleInput, CreateTaskInput, TaskTypeMap, TaskTypes } from './payloads';
export type { ScheduleChange } from './resources/schedules';
export type { WatchOptions } from './resources/task-stream';
export type { BulkActionInput, CanceledTask, CreateOptions, ListTasksQuery } from './resources/tasks';
export { DEFAULT_RETRY_POLICY, type RetryPolicy } from './retry';
export type { CallOptions, FetchLike } from './transport';
export type * from './types';
export { verifyWebhook, type WebhookEvent, type WebhookHeaders } from './verify-webhook';
