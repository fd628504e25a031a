/**
 * Error classes of the core. HTTP status codes and retry decisions are derived from the class,
 * never from parsing messages (see api/error-handler.ts and workers/task-worker.ts).
 */
export class TasklaneError extends Error {
  /** Stable, machine-readable code returned to API clients. */
  readonly code: string;
  /** HTTP status this error maps to when it reaches the API boundary. */
  readonly status: number;
  readonly details?: unknown;

  constructor(code: string, status: number, message: string, details?: unknown) {
    super(message);
    this.name = new.target.name;
    this.code = code;
    this.status = status;
    this.details = details;
  }
}

/** Input failed validation: the details name each field and rule. */
export class ValidationError extends TasklaneError {
  constructor(message: string, details?: unknown) {
    super('validation_error', 400, message, details);
  }
}

export class UnauthorizedError extends TasklaneError {
  constructor(message = 'A valid API key is required: send "Authorization: Bearer <key>" or "x-api-key: <key>".') {
    super('unauthorized', 401, message);
  }
}

export class NotFoundError extends TasklaneError {
  constructor(message: string) {
    super('not_found', 404, message);
  }
}

export class ConflictError extends TasklaneError {
  constructor(code: string, message: string, details?: unknown) {
    super(code, 409, message, details);
  }
}

export class PayloadTooLargeError extends TasklaneError {
  constructor(message: string, details?: unknown) {
    super('payload_too_large', 413, message, details);
  }
}

export class RateLimitedError extends TasklaneError {
  readonly retryAfterSeconds: number;
  constructor(retryAfterSeconds: number) {
    super('rate_limited', 429, `Too many tasks created; retry after ${retryAfterSeconds} s.`, {
      retry_after_seconds: retryAfterSeconds,
    });
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/** A dependency (queue, table) is unavailable; the request wrote nothing and may be retried. */
export class ServiceUnavailableError extends TasklaneError {
  constructor(message: string) {
    super('service_unavailable', 503, message);
  }
}

/**
 * Thrown by task code for a failure that another attempt may fix (throttling, timeouts, 5xx).
 * Any error that is not a PermanentTaskError is treated as retryable too.
 */
export class RetryableTaskError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'RetryableTaskError';
  }
}

/** Thrown by task code for a failure no retry can fix: the task fails at once. */
export class PermanentTaskError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'PermanentTaskError';
  }
}

/** Raised inside a running task when cancellation was requested; the worker ends it `canceled`. */
export class TaskCanceledError extends Error {
  constructor() {
    super('The task was canceled.');
    this.name = 'TaskCanceledError';
  }
}

/** Raised inside a running task when its type's timeout elapsed; counts as a retryable failure. */
export class TaskTimeoutError extends RetryableTaskError {
  constructor(timeoutSeconds: number) {
    super(`The attempt exceeded the task type's timeout of ${timeoutSeconds} s.`);
    this.name = 'TaskTimeoutError';
  }
}

/** Thrown inside task code once the run suspended itself (sleep, wait): the runner ends the invocation. */
export class RunSuspended extends Error {
  constructor() {
    super('The run is suspended (ctx.sleep or ctx.waitForToken); it resumes from the top later.');
    this.name = 'RunSuspended';
  }
}

/** A step write lost to another writer: this attempt no longer owns the record (a later one took over). */
export class StepWriteLostError extends Error {
  constructor(name: string) {
    super(`Step "${name}" could not be stored: the task moved on without this attempt.`);
    this.name = 'StepWriteLostError';
  }
}

/**
 * A token task code waited for was failed through POST /tokens/{token}/fail: thrown by
 * ctx.waitForToken. Permanent (a replay would throw the same), unless task code catches it.
 */
export class TokenFailedError extends PermanentTaskError {
  constructor(
    readonly step: string,
    readonly reason: { name: string; message: string },
  ) {
    super(`Token "${step}" was failed: ${reason.message}`);
    this.name = 'TokenFailedError';
  }
}

/** A token task code waited for was not settled within its timeout: thrown by ctx.waitForToken. */
export class TokenTimeoutError extends PermanentTaskError {
  constructor(readonly step: string) {
    super(`Token "${step}" was neither completed nor failed within its timeout.`);
    this.name = 'TokenTimeoutError';
  }
}

/** Children task code waited for had not all ended within the wait's timeout: thrown by ctx.waitForChildren. */
export class ChildrenTimeoutError extends PermanentTaskError {
  constructor(readonly step: string) {
    super(`The children waited for by "${step}" did not all end within its timeout.`);
    this.name = 'ChildrenTimeoutError';
  }
}
