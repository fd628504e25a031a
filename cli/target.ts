import { Tasklane } from '../client/src';
import { CliError } from './errors';
import { requireLocalState } from './local-state';

/** Which API the task commands talk to, and with which key. */
export interface ApiTarget {
  /** Base URL, ending in `/` so that a stage path (`…/prod/`) is kept when paths are joined. */
  baseUrl: URL;
  /** Base URL of the task stream (the stack's StreamUrl output); unset: `baseUrl`, as locally. */
  streamBaseUrl?: URL;
  apiKey: string;
}

export interface TargetOptions {
  apiUrl?: string;
  streamUrl?: string;
  apiKey?: string;
  /** The running `npm start` in `cwd`: its URL and key from its state file. */
  local: boolean;
}

/** How long one try of a request may take before the CLI gives up on it. */
export const REQUEST_TIMEOUT_MS = 30_000;

/**
 * Flags first, then TASKLANE_API_URL / TASKLANE_STREAM_URL / TASKLANE_API_KEY; `--local` reads the URL
 * and key from `npm start`'s state file (one server: the stream is at the API URL).
 */
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
  const streamUrl = options.streamUrl ?? (options.local ? undefined : env.TASKLANE_STREAM_URL);
  return {
    baseUrl: baseUrlOf('--api-url', url, 'https://abc123.execute-api.eu-west-1.amazonaws.com/'),
    ...(streamUrl
      ? {
          streamBaseUrl: baseUrlOf(
            '--stream-url',
            streamUrl,
            'https://def456.execute-api.eu-west-1.amazonaws.com/prod/',
          ),
        }
      : {}),
    apiKey: key,
  };
}

/** The URL with a trailing `/`, so that a stage path (`…/prod/`) is kept when paths are joined. */
function baseUrlOf(flag: string, url: string, example: string): URL {
  let baseUrl: URL;
  try {
    baseUrl = new URL(url);
  } catch {
    throw new CliError(`${flag} must be an http(s) URL such as ${example} (got "${url}").`);
  }
  if (baseUrl.protocol !== 'http:' && baseUrl.protocol !== 'https:') {
    throw new CliError(`${flag} must be an http(s) URL (got "${url}").`);
  }
  if (!baseUrl.pathname.endsWith('/')) baseUrl.pathname += '/';
  return baseUrl;
}

/** The typed client (@tasklane/client) for the target: the CLI's only way to the API. */
export function connect(target: ApiTarget): Tasklane {
  return new Tasklane({
    baseUrl: target.baseUrl,
    streamBaseUrl: target.streamBaseUrl,
    apiKey: target.apiKey,
    timeoutMs: REQUEST_TIMEOUT_MS,
  });
}
