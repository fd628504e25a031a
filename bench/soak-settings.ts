import { parseArgs } from 'node:util';

/** Each setting: its flag, the environment variable read when the flag is absent, its default and bounds. */
const OPTIONS = {
  /** Seconds of warm-up at the start of each phase, not measured (JIT, pools, the heap reaching its working size). */
  warmupSeconds: { flag: 'warmup-s', env: 'SOAK_WARMUP_S', default: 30, min: 5, max: 600 },
  /** Measured seconds under load. */
  loadSeconds: { flag: 'load-s', env: 'SOAK_LOAD_S', default: 90, min: 30, max: 1800 },
  /** Measured seconds with no requests. */
  idleSeconds: { flag: 'idle-s', env: 'SOAK_IDLE_S', default: 90, min: 30, max: 1800 },
  /** Sweeper and flush interval: short, so that a leak per run shows within minutes (the default of `npm start` is 10 s). */
  scheduleMs: { flag: 'schedule-ms', env: 'SOAK_SCHEDULE_MS', default: 100, min: 10, max: 60_000 },
  tasksPerSecond: { flag: 'tasks-per-s', env: 'SOAK_TASKS_PER_S', default: 5, min: 0, max: 200 },
  eventsPerSecond: { flag: 'events-per-s', env: 'SOAK_EVENTS_PER_S', default: 10, min: 0, max: 500 },
  /** Seconds at each end of a phase whose median RSS is compared. */
  windowSeconds: { flag: 'window-s', env: 'SOAK_WINDOW_S', default: 15, min: 3, max: 300 },
  /** Each sample costs the stack two full collections (some 50 ms of CPU); every 2 s that is a few per cent. */
  sampleMs: { flag: 'sample-ms', env: 'SOAK_SAMPLE_MS', default: 2000, min: 500, max: 10_000 },
  /** Highest RSS growth allowed in a phase, as a fraction. */
  target: { flag: 'target', env: 'SOAK_TARGET', default: 0.1, min: 0, max: 10 },
} as const;

export type SoakSettings = { -readonly [K in keyof typeof OPTIONS]: number };

/** Reads the flags (`--load-s 300`) and environment (`SOAK_LOAD_S=300`); exits with a message naming the bad one. */
export function readSoakSettings(argv = process.argv.slice(2), env = process.env): SoakSettings {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      ...Object.fromEntries(Object.values(OPTIONS).map((o) => [o.flag, { type: 'string' as const }])),
      help: { type: 'boolean', short: 'h' },
    },
  });
  const flags = values as Record<string, string | boolean | undefined>;
  if (flags.help) {
    console.log(`Usage: npm run bench:soak -- [flags]   (or the environment variables named)\n`);
    for (const o of Object.values(OPTIONS))
      console.log(`  --${o.flag.padEnd(13)} ${o.env.padEnd(18)} default ${o.default} (${o.min}–${o.max})`);
    process.exit(0);
  }
  const settings = {} as SoakSettings;
  for (const [key, o] of Object.entries(OPTIONS) as Array<[keyof SoakSettings, (typeof OPTIONS)[keyof SoakSettings]]>) {
    const raw = (flags[o.flag] as string | undefined) ?? env[o.env];
    const value = raw === undefined || raw === '' ? o.default : Number(raw);
    if (!Number.isFinite(value) || value < o.min || value > o.max) {
      console.error(`bench:soak: --${o.flag} / ${o.env} must be a number from ${o.min} to ${o.max} (got "${raw}")`);
      process.exit(2);
    }
    settings[key] = value;
  }
  if (settings.windowSeconds * 2 > Math.min(settings.loadSeconds, settings.idleSeconds)) {
    console.error(`bench:soak: --window-s (${settings.windowSeconds}) must be at most half of --load-s and --idle-s`);
    process.exit(2);
  }
  return settings;
}
