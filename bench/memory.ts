/** Resident set size of this process, sampled, with the peak of each named phase. */
export interface MemoryReport {
  /** RSS right after the stack started, before any load. */
  idleMb: number;
  /** Highest sampled RSS per phase. */
  peakMbByPhase: Record<string, number>;
  /** The kernel's high-water mark of the whole process (process.resourceUsage().maxRSS). */
  maxRssMb: number;
}

const mb = (bytes: number) => Math.round((bytes / 1024 / 1024) * 10) / 10;

export class RssSampler {
  private readonly idle = process.memoryUsage.rss();
  private readonly peaks: Record<string, number> = {};
  private phase = 'idle';
  private readonly timer: NodeJS.Timeout;

  constructor(intervalMs = 100) {
    this.timer = setInterval(() => this.sample(), intervalMs);
    this.timer.unref();
  }

  /** Starts attributing samples to `name`. */
  enter(name: string): void {
    this.sample();
    this.phase = name;
  }

  report(): MemoryReport {
    this.sample();
    return {
      idleMb: mb(this.idle),
      peakMbByPhase: Object.fromEntries(Object.entries(this.peaks).map(([k, v]) => [k, mb(v)])),
      // maxRSS is in kilobytes.
      maxRssMb: mb(process.resourceUsage().maxRSS * 1024),
    };
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private sample(): void {
    const rss = process.memoryUsage.rss();
    this.peaks[this.phase] = Math.max(this.peaks[this.phase] ?? 0, rss);
  }
}
