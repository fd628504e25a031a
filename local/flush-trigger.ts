import type { FlushTrigger } from '../functions/batching/ports';

/**
 * The local stand-in for the API's asynchronous invoke of the flush function: runs the flush for
 * the tenant in the background, one run per tenant at a time (a trigger during a run asks for one
 * more run after it, as several invokes would queue up in AWS).
 */
export function localFlushTrigger(
  run: (event: { tenant: string }) => Promise<unknown>,
): FlushTrigger & { idle(): Promise<void> } {
  const running = new Map<string, Promise<void>>();
  const again = new Set<string>();
  const start = (tenant: string): void => {
    const current = run({ tenant })
      .then(() => undefined)
      .catch((error: unknown) => console.error('[tasklane] early flush failed:', error))
      .finally(() => {
        running.delete(tenant);
        if (again.delete(tenant)) start(tenant);
      });
    running.set(tenant, current);
  };
  return {
    async trigger(tenant) {
      if (running.has(tenant)) again.add(tenant);
      else start(tenant);
    },
    async idle() {
      while (running.size > 0) await Promise.all(running.values());
    },
  };
}
