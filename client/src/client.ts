import { TasklaneError } from './errors';
import type { AnyTaskTypes, TaskTypeMap } from './payloads';
import { Events, Batches } from './resources/events';
import { Schedules } from './resources/schedules';
import { TaskTypeAdmin } from './resources/task-types';
import { Tasks } from './resources/tasks';
import { Tokens } from './resources/tokens';
import { Uploads } from './resources/uploads';
import { WebhookSecrets } from './resources/webhooks';
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from './retry';
import { Transport, type FetchLike } from './transport';

export interface TasklaneOptions {
  /** The API's base URL: the stack's `ApiUrl` output (`https://….execute-api.….amazonaws.com/`), or `http://127.0.0.1:3000` locally. */
  baseUrl: string | URL;
  /**
   * Base URL of GET tasks/{id}/stream (`tasks.watch`): the stack's `StreamUrl` output (`https://…/prod/`),
   * a REST API of its own because only REST APIs stream responses. By default `baseUrl`, as locally,
   * where one server serves every route.
   */
  streamBaseUrl?: string | URL;
  /** A key of the tenant to act for (`tl_…`). */
  apiKey: string;
  /** The fetch to send requests with; the global one by default (a proxy agent, instrumentation, tests). */
  fetch?: FetchLike;
  /** Time each try of a request may take, in ms; for a stream, the wait for its headers. */
  timeoutMs?: number;
  /** Retries of failed requests: how many (0: none), or the policy's fields. */
  retries?: number | Partial<RetryPolicy>;
}

// API Gateway ends an integration after 29 s (https://docs.aws.amazon.com/apigateway/latest/developerguide/limits.html):
// an answer that has not come by 30 s is not coming.
const DEFAULT_TIMEOUT_MS = 30_000;

/**
 * The Tasklane API. `Types` maps task type names to payloads, so that `tasks.create` checks both
 * (`new Tasklane<TaskTypes>(…)` for the registry's types); without it any name and payload go.
 */
export class Tasklane<Types extends TaskTypeMap = AnyTaskTypes> {
  readonly tasks: Tasks<Types>;
  readonly taskTypes: TaskTypeAdmin;
  readonly schedules: Schedules<Types>;
  readonly events: Events;
  readonly batches: Batches;
  readonly uploads: Uploads;
  readonly webhooks: WebhookSecrets;
  readonly tokens: Tokens;

  constructor(options: TasklaneOptions) {
    const transport = new Transport({
      baseUrl: baseUrlOf(options.baseUrl, 'baseUrl'),
      streamBaseUrl: baseUrlOf(options.streamBaseUrl ?? options.baseUrl, 'streamBaseUrl'),
      apiKey: requireApiKey(options.apiKey),
      // Looked up at each call, so a fetch patched later (instrumentation) is used too.
      fetch: options.fetch ?? ((input, init) => globalThis.fetch(input, init)),
      timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      retry: retryPolicyOf(options.retries),
    });
    this.tasks = new Tasks(transport);
    this.taskTypes = new TaskTypeAdmin(transport);
    this.schedules = new Schedules(transport);
    this.events = new Events(transport);
    this.batches = new Batches(transport);
    this.uploads = new Uploads(transport);
    this.webhooks = new WebhookSecrets(transport);
    this.tokens = new Tokens(transport);
  }
}

/** The base URL with a trailing `/`, so that a stage path (`…/prod/`) is kept when paths are joined. */
function baseUrlOf(value: string | URL, option: 'baseUrl' | 'streamBaseUrl'): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new TasklaneError(`${option} must be an absolute http(s) URL, e.g. http://127.0.0.1:3000 (got "${value}").`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new TasklaneError(`${option} must be an http(s) URL (got "${value}").`);
  if (!url.pathname.endsWith('/')) url.pathname += '/';
  return url;
}

function requireApiKey(key: string): string {
  if (typeof key !== 'string' || key.trim() === '')
    throw new TasklaneError('apiKey is required: a key of the tenant to act for ("tasklane keys create" makes one).');
  return key;
}

function retryPolicyOf(retries: TasklaneOptions['retries']): RetryPolicy {
  const policy =
    typeof retries === 'number'
      ? { ...DEFAULT_RETRY_POLICY, maxRetries: retries }
      : { ...DEFAULT_RETRY_POLICY, ...retries };
  const bad = Object.entries(policy).find(([, value]) => !Number.isInteger(value) || value < 0);
  if (bad) throw new TasklaneError(`retries: ${bad[0]} must be a whole number ≥ 0 (got ${bad[1]}).`);
  return policy;
}
