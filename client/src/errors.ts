/**
 * Errors of the client. The API's answers are classified by HTTP status into subclasses of
 * TasklaneApiError, each carrying the API's `code`, `message` and `details`; a request that got no
 * answer is a TasklaneConnectionError (or TasklaneTimeoutError). Catch by class, branch on `code`.
 */

/** Base class of every error this client throws. */
export class TasklaneError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** One bad field of a request and the rule it broke, as the API's `details` list them. */
export interface FieldIssue {
  /** A path such as `payload.steps`, `cursor` or `Idempotency-Key`. */
  field: string;
  rule: string;
}

/** The codes the API answers with (README "Errors and limits"); other strings may appear in newer versions. */
export type ApiErrorCode =
  | 'validation_error'
  | 'unauthorized'
  | 'not_found'
  | 'task_finished'
  | 'task_not_finished'
  | 'idempotency_key_reused'
  | 'schedule_limit'
  | 'payload_too_large'
  | 'rate_limited'
  | 'service_unavailable'
  | 'internal_error'
  /** An answer that is not the API's JSON error (a proxy's HTML page, an empty body). */
  | 'unexpected_response';

/** The API answered with an error status. */
export class TasklaneApiError extends TasklaneError {
  readonly status: number;
  /** Stable and machine-readable: branch on it, not on `message`. */
  readonly code: ApiErrorCode | (string & {});
  readonly details?: unknown;
  /** The response's headers (`Retry-After`, `Idempotent-Replayed`, …). */
  readonly headers: Headers;
  /** The URL of the request that got this answer, when known: says which base URL answered. */
  readonly url?: string;

  constructor(status: number, code: string, message: string, details: unknown, headers: Headers, url?: string) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details;
    this.headers = headers;
    this.url = url;
  }
}

/** 400: a field, the body, a query parameter or a header is not valid; `details` names each. */
export class ValidationError extends TasklaneApiError {
  declare readonly details: FieldIssue[];
}

/**
 * 401: the API key is missing, unknown or revoked. Also API Gateway's own answers of the HTTP API
 * (ApiUrl) to such a key, which it does not let us shape: 401 `{"message":"Unauthorized"}` (no
 * Authorization header) and 403 `{"message":"Forbidden"}` (the authorizer denied the key).
 */
export class UnauthorizedError extends TasklaneApiError {}

/** 404: no such task, schedule, batch or task type for this key's tenant (another tenant's looks the same). */
export class NotFoundError extends TasklaneApiError {}

/** 409: `task_finished`, `task_not_finished`, `idempotency_key_reused` or `schedule_limit`. */
export class ConflictError extends TasklaneApiError {}

/** 413: the body, an event or a payload is over its size limit. */
export class PayloadTooLargeError extends TasklaneApiError {}

/** 429: the tenant's creation limit is used up; retry after `retryAfterSeconds`. */
export class RateLimitedError extends TasklaneApiError {
  /** From the `Retry-After` header; undefined when the answer had none. */
  readonly retryAfterSeconds?: number;

  constructor(status: number, code: string, message: string, details: unknown, headers: Headers, url?: string) {
    super(status, code, message, details, headers, url);
    this.retryAfterSeconds = retryAfterSeconds(headers.get('retry-after'), Date.now());
  }
}

/** 5xx: the API (or a gateway in front of it) failed; the request can be retried. */
export class ServerError extends TasklaneApiError {}

/** The request got no HTTP answer: the API is unreachable, or the connection broke. */
export class TasklaneConnectionError extends TasklaneError {}

/** The request got no complete answer within its timeout. */
export class TasklaneTimeoutError extends TasklaneConnectionError {}

/** A webhook whose signature, timestamp or headers do not verify: do not act on it. */
export class WebhookVerificationError extends TasklaneError {}

type ApiErrorClass = new (
  status: number,
  code: string,
  message: string,
  details: unknown,
  headers: Headers,
  url?: string,
) => TasklaneApiError;

const BY_STATUS: Record<number, ApiErrorClass> = {
  400: ValidationError,
  401: UnauthorizedError,
  404: NotFoundError,
  409: ConflictError,
  413: PayloadTooLargeError,
  429: RateLimitedError,
};

/**
 * The error of a non-2xx answer, from the API's JSON `{"error":{code,message,details?}}` when it has
 * one; `url` is the request's (the response's own when not given).
 */
export function apiErrorFrom(response: Response, bodyText: string, url = response.url || undefined): TasklaneApiError {
  const body = parseErrorBody(bodyText);
  const gateway = body ? undefined : gatewayMessage(bodyText);
  if (gateway !== undefined && (response.status === 401 || response.status === 403)) {
    const message = `The API refused the key (API Gateway: ${response.status} ${gateway}): send a valid one as "Authorization: Bearer <key>".`;
    return new UnauthorizedError(response.status, 'unauthorized', message, undefined, response.headers, url);
  }
  const ErrorClass = BY_STATUS[response.status] ?? (response.status >= 500 ? ServerError : TasklaneApiError);
  if (!body) {
    const message = `${url ?? 'The API'} answered ${response.status} ${response.statusText} without a Tasklane error body.`;
    return new ErrorClass(response.status, 'unexpected_response', message, undefined, response.headers, url);
  }
  return new ErrorClass(response.status, body.code, body.message, body.details, response.headers, url);
}

/** The `message` of API Gateway's own JSON answer, `{"message": "…"}`; undefined for any other body. */
function gatewayMessage(text: string): string | undefined {
  try {
    const { message } = JSON.parse(text) as { message?: unknown };
    return typeof message === 'string' ? message : undefined;
  } catch {
    return undefined;
  }
}

function parseErrorBody(text: string): { code: string; message: string; details?: unknown } | undefined {
  try {
    const error = (JSON.parse(text) as { error?: unknown }).error as Record<string, unknown> | undefined;
    if (typeof error?.code === 'string' && typeof error.message === 'string')
      return { code: error.code, message: error.message, details: error.details };
  } catch {
    // Not JSON: the caller reports the status instead.
  }
  return undefined;
}

/**
 * A `Retry-After` value in whole seconds from `now`: delay-seconds or an HTTP date
 * (https://www.rfc-editor.org/rfc/rfc9110#name-retry-after); undefined when absent or unreadable.
 */
export function retryAfterSeconds(header: string | null, now: number): number | undefined {
  if (header === null) return undefined;
  const value = header.trim();
  if (/^\d+$/.test(value)) return Number(value);
  // An HTTP date names its month ("Tue, 01 Dec 2026 18:00:30 GMT"); Date.parse would take "-5" for a year.
  if (!/[a-z]/i.test(value)) return undefined;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - now) / 1000));
}
