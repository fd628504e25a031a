import {
  TasklaneApiError,
  TasklaneConnectionError,
  TasklaneTimeoutError,
  UnauthorizedError,
  type FieldIssue,
} from '../client/src';
import { CliError } from './errors';
import { REQUEST_TIMEOUT_MS } from './target';

/**
 * The client's errors as messages that say what to do; anything else passes through unchanged.
 * The one place where the CLI reads the API's errors, by class.
 */
export function cliErrorFrom(error: unknown, baseUrl: URL): unknown {
  if (error instanceof TasklaneTimeoutError)
    return new CliError(`The Tasklane API at ${baseUrl} did not answer within ${REQUEST_TIMEOUT_MS / 1000} s.`);
  if (error instanceof TasklaneConnectionError) return unreachable(baseUrl, error.cause);
  if (error instanceof UnauthorizedError)
    return new CliError(
      `The API refused the key (${error.status}): check --api-key / TASKLANE_API_KEY. A local stack makes a new key on every start unless TASKLANE_API_KEY is set.`,
    );
  if (!(error instanceof TasklaneApiError)) return error;
  if (error.code === 'unexpected_response')
    return new CliError(
      `${error.url ?? baseUrl} answered ${error.status} without a Tasklane response: is --api-url the API's base URL (the stack's ApiUrl output)?`,
    );
  return new CliError(`${error.message}${formatDetails(error.details)}`);
}

/** A request that got no HTTP answer at all, with the reason the network layer gave. */
function unreachable(baseUrl: URL, cause: unknown): CliError {
  const socket = cause instanceof Error ? (cause.cause as { code?: string; message?: string } | undefined) : undefined;
  const reason = socket?.code ?? socket?.message ?? (cause instanceof Error ? cause.message : String(cause));
  return new CliError(
    `Cannot reach the Tasklane API at ${baseUrl} (${reason}). Is it running, and is --api-url right?`,
  );
}

/** The API's `details` (validation errors name each field and its rule), a line each. */
function formatDetails(details: unknown): string {
  if (!Array.isArray(details)) return '';
  return (details as FieldIssue[]).map((d) => `\n  ${d.field}: ${d.rule}`).join('');
}
