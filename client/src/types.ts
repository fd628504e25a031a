/**
 * The API's JSON shapes. They are the server's own types, borrowed with `import type` so that the
 * client and the API cannot drift apart and no server code reaches the client's bundle.
 */
import type { ScheduleRun, ScheduleView } from '../../functions/core/schedule';
import type { TaskError, TaskSource, TaskStatus, TaskView, WebhookDeliveryState } from '../../functions/core/task';
import type { StepEventData, TaskEvent, TaskEventData } from '../../functions/core/task-events';
import type { TaskRedriveReport } from '../../functions/core/task-redrive';
import type { StepView } from '../../functions/core/task-steps';
import type { SettledToken } from '../../functions/core/token-service';
import type { toBatchView } from '../../functions/batching/model';

export type {
  ScheduleRun,
  ScheduleView as Schedule,
  SettledToken,
  StepEventData,
  StepView as TaskStep,
  TaskError,
  TaskEvent,
  TaskEventData,
  TaskRedriveReport,
  TaskSource,
  TaskStatus,
  TaskView as Task,
  WebhookDeliveryState,
};

/** One event of GET /tasks/{id}/stream: `id` is what a reconnect sends as Last-Event-ID. */
export type TaskStreamEvent = TaskEvent;

/** When a new task runs and how long it may wait to start (README "Delayed runs and expiry"). */
export interface TaskTiming {
  /** RFC 3339 with a zone, in the future, at most a year ahead. Not with `delay_seconds`. */
  run_at?: string;
  /** Whole seconds, 0–31,536,000. Not with `run_at`. */
  delay_seconds?: number;
  /** RFC 3339: a task not started by then ends `expired`. Not with `ttl_seconds`. */
  start_by?: string;
  /** Whole seconds from creation, 1–31,536,000. Not with `start_by`. */
  ttl_seconds?: number;
}

/** A registered task type, as GET /task-types describes it. */
export interface TaskTypeInfo {
  name: string;
  description: string;
  /** The payload's JSON Schema (the input side of the type's zod schema). */
  payload_schema: Record<string, unknown>;
  max_attempts: number;
  timeout_seconds: number;
  /** Messages in the type's dead-letter queue, where the deployment exposes them. */
  dlq_depth?: number;
}

/** GET /webhooks/secret. */
export interface WebhookSecret {
  /** `whsec_…`: give it to verifyWebhook. */
  secret: string;
  /** Still signing for a while after a rotation. */
  previous_secret?: string;
}

/** POST /webhooks/secret/rotate. */
export interface RotatedWebhookSecret {
  secret: string;
  previous_secret: string;
  previous_valid_hours: number;
}

/** A flushed batch of events (GET /batches). */
export type Batch = ReturnType<typeof toBatchView>;

/** GET /events/stats. */
export interface EventStats {
  waiting: number;
  batch_size: number;
}

/** POST /uploads: where to PUT a CSV for an `import` task. */
export interface UploadLink {
  upload_id: string;
  upload_url: string;
  method: 'PUT';
  expires_at: string;
  max_bytes: number;
}
