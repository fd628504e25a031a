export interface Schedule {
  name: string;
  run: () => Promise<unknown>;
}

/**
 * Runs scheduled handlers on a timer, as EventBridge schedules do in AWS. A run never overlaps
 * the previous run of the same schedule; errors are reported and the schedule goes on.
 */
export function startSchedules(intervalMs: number, schedules: Schedule[]): { stop(): Promise<void> } {
  if (intervalMs <= 0) return { stop: async () => undefined };
  const running = new Map<string, Promise<unknown>>();
  const timer = setInterval(() => {
    for (const schedule of schedules) {
      if (running.has(schedule.name)) continue;
      const run = schedule
        .run()
        .catch((error: unknown) => console.error(`[tasklane] schedule ${schedule.name} failed:`, error))
        .finally(() => running.delete(schedule.name));
      running.set(schedule.name, run);
    }
  }, intervalMs);
  return {
    async stop() {
      clearInterval(timer);
      await Promise.all(running.values());
    },
  };
}
