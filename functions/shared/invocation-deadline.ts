import { AsyncLocalStorage } from 'node:async_hooks';

const deadlines = new AsyncLocalStorage<number>();

/**
 * Runs `work` with the invocation's deadline known to whatever it calls (the task worker sets it per
 * record from the Lambda context), so a step deep in the call, such as the first try of a webhook,
 * can fit itself into the time left without every signature on the way carrying it.
 */
export function withInvocationDeadline<T>(remainingMs: number | undefined, work: () => Promise<T>): Promise<T> {
  if (remainingMs === undefined) return work();
  return deadlines.run(Date.now() + remainingMs, work);
}

/** Milliseconds left in the current invocation, or undefined outside one (the API, the sweeper, tests). */
export function invocationTimeLeftMs(): number | undefined {
  const deadline = deadlines.getStore();
  return deadline === undefined ? undefined : Math.max(0, deadline - Date.now());
}
