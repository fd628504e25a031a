import { Tasklane } from '../client/src';
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

/** How long one try of a request may take before the CLI gives up on it. */
export const REQUEST_TIMEOUT_MS = 30_000;

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

/** The typed client (@tasklane/client) for the target: the CLI's only way to the API. */
export function connect(target: ApiTarget): Tasklane {
  return new Tasklane({ baseUrl: target.baseUrl, apiKey: target.apiKey, timeoutMs: REQUEST_TIMEOUT_MS });
}
