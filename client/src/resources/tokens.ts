import type { CallOptions, Transport } from '../transport';
import type { SettledToken } from '../types';

/** Tokens a waiting task handed out (durable steps): settling one resumes the task. */
export class Tokens {
  constructor(private readonly transport: Transport) {}

  /**
   * POST /tokens/{token}/complete: the task's `waitForToken` returns `value`. A token settles once:
   * a retried call whose first try did settle it answers 409.
   */
  complete(token: string, value: unknown, options?: CallOptions): Promise<SettledToken> {
    return this.transport.json<SettledToken>(
      { method: 'POST', path: `${tokenPath(token)}/complete`, body: { value }, retrySafe: true },
      options,
    );
  }

  /** POST /tokens/{token}/fail: the task's `waitForToken` throws `TokenFailedError` with this error. */
  fail(
    token: string,
    error: string | { name?: string; message: string },
    options?: CallOptions,
  ): Promise<SettledToken> {
    return this.transport.json<SettledToken>(
      { method: 'POST', path: `${tokenPath(token)}/fail`, body: { error }, retrySafe: true },
      options,
    );
  }
}

function tokenPath(token: string): string {
  return `tokens/${encodeURIComponent(token)}`;
}
