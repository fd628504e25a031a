import { CliError } from './errors';
import { requireLocalState } from './local-state';

/** Which API the task commands talk to, and with which key. */
export interface ApiTarget {
  /** Base URL, ending in `/` so that a stage path (`…/prod/`) is kept when paths are joined. */
  baseUrl: URL;
  apiKey: string;
}

export interface TargetOptions {
  apiUrl?: string;
  apiKey?: string;
  /** The running `npm start` in `cwd`: its URL and key from its state file. */
  local: boolean;
}

/** Flags first, then TASKLANE_API_URL / TASKLANE_API_KEY; `--local` reads both from `npm start`'s state file. */
export function resolveTarget(options: TargetOptions, env: NodeJS.ProcessEnv, cwd: string): ApiTarget {
  let url = options.apiUrl ?? env.TASKLANE_API_URL;
  let key = options.apiKey ?? env.TASKLANE_API_KEY;
  if (options.local) {
    const state = requireLocalState(cwd);
    url = options.apiUrl ?? state.apiUrl;
    key = options.apiKey ?? state.apiKey;
  }
  if (!url)
    throw new CliError(
      'Name the API: --api-url <URL> (or TASKLANE_API_URL), e.g. the ApiUrl output of the stack; or --local for "npm start".',
    );
  if (!key)
    throw new CliError('Give an API key: --api-key <key> (or TASKLANE_API_KEY); "tasklane keys create" makes one.');
  let baseUrl: URL;
  try {
    baseUrl = new URL(url);
  } catch {
    throw new CliError(
      `--api-url must be an http(s) URL such as https://abc123.execute-api.eu-west-1.amazonaws.com/prod/ (got "${url}").`,
    );
  }
  if (baseUrl.protocol !== 'http:' && baseUrl.protocol !== 'https:') {
    throw new CliError(`--api-url must be an http(s) URL (got "${url}").`);
  }
  if (!baseUrl.pathname.endsWith('/')) baseUrl.pathname += '/';
  return { baseUrl, apiKey: key };
}

/** How long a plain request may take before the CLI gives up on it. */
const REQUEST_TIMEOUT_MS = 30_000;

/** The JSON API with errors turned into messages that say what to do. */
export class ApiClient {
  constructor(readonly target: ApiTarget) {}

  /** The absolute URL of an API path such as `tasks/<id>`. */
  url(path: string): URL {
    return new URL(path, this.target.baseUrl);
  }

  /** The headers every request carries. */
  get headers(): Record<string, string> {
    return { authorization: `Bearer ${this.target.apiKey}` };
  }

  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const url = this.url(path);
    let response: Response;
    try {
      response = await fetch(url, {
        method,
        headers: { ...this.headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
    } catch (error) {
      throw unreachable(this.target.baseUrl, error);
    }
    const text = await response.text();
    let json: { error?: { code?: string; message?: string; details?: { field: string; rule: string }[] } } | undefined;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    if (response.ok && json !== undefined) return json as T;
    // No content is a complete answer (DELETE /schedules/{id}).
    if (response.status === 204) return undefined as T;
    if (response.status === 401) {
      throw new CliError(
        'The API refused the key (401): check --api-key / TASKLANE_API_KEY. A local stack makes a new key on every start unless TASKLANE_API_KEY is set.',
      );
    }
    if (!json?.error?.message) {
      throw new CliError(
        `${url} answered ${response.status} without a Tasklane response: is --api-url the API's base URL (the stack's ApiUrl output)?`,
      );
    }
    const details = (json.error.details ?? []).map((d) => `\n  ${d.field}: ${d.rule}`).join('');
    throw new CliError(`${json.error.message}${details}`);
  }
}

/** A request that got no HTTP answer at all, with the reason the network layer gave. */
export function unreachable(baseUrl: URL, error: unknown): CliError {
  if (error instanceof DOMException && error.name === 'TimeoutError') {
    return new CliError(`The Tasklane API at ${baseUrl} did not answer within ${REQUEST_TIMEOUT_MS / 1000} s.`);
  }
  const cause = error instanceof Error ? (error.cause as { code?: string; message?: string } | undefined) : undefined;
  const reason = cause?.code ?? cause?.message ?? (error instanceof Error ? error.message : String(error));
  return new CliError(
    `Cannot reach the Tasklane API at ${baseUrl} (${reason}). Is it running, and is --api-url right?`,
  );
}
