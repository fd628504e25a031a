import type { FetchLike } from '../../client/src';

/** One request a fake fetch received. */
export interface SeenRequest {
  url: string;
  method: string;
  headers: Record<string, string>;
  body: string | undefined;
  /** Date.now() when it was sent. */
  at: number;
}

/** What a scripted fetch does for one request: answer, throw (a network error), or run a function. */
export type Step = Response | Error | ((url: string | URL, init: RequestInit) => Promise<Response>);

/**
 * A fetch that answers requests from a script, in order, and records them; once the script is
 * used up, `fallback` handles the rest (the real fetch of an emulator test, or a fixed answer).
 */
export function scriptedFetch(script: Step[], fallback: FetchLike = () => Promise.resolve(json(200, {}))) {
  const seen: SeenRequest[] = [];
  const fetch: FetchLike = async (url, init) => {
    seen.push({
      url: String(url),
      method: init.method ?? 'GET',
      headers: { ...(init.headers as Record<string, string>) },
      body: typeof init.body === 'string' ? init.body : undefined,
      at: Date.now(),
    });
    const step = script.shift();
    if (step === undefined) return fallback(url, init);
    if (step instanceof Error) throw step;
    if (typeof step === 'function') return step(url, init);
    return step;
  };
  return { fetch, seen };
}

/** A JSON response as the API sends it. */
export function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(status === 204 ? null : JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json', ...headers },
  });
}

/** The API's error body. */
export function apiError(status: number, code: string, message: string, details?: unknown, headers = {}): Response {
  return json(status, { error: { code, message, ...(details === undefined ? {} : { details }) } }, headers);
}

/** What undici throws when a connection is refused or breaks: `TypeError: fetch failed` with the socket error as cause. */
export function networkError(code = 'ECONNRESET'): TypeError {
  return new TypeError('fetch failed', { cause: Object.assign(new Error(`read ${code}`), { code }) });
}
