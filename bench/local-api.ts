import type { Ready } from './stack-client';

/** A generic task that does no work: what the bench's timings of the stack itself run. */
export const ZERO_WORK = { type: 'generic', payload: { steps: 1, step_ms: 0 } };

/** The local API, with the stack's key. */
export class Api {
  constructor(private readonly info: Ready) {}

  readonly headers = () => ({ authorization: `Bearer ${this.info.apiKey}`, 'content-type': 'application/json' });

  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await fetch(`${this.info.apiUrl}${path}`, {
      method,
      headers: this.headers(),
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (res.status >= 300) throw new Error(`${method} ${path} answered ${res.status}: ${await res.text()}`);
    return (await res.json()) as T;
  }
}
