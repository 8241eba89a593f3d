/** Samples process.memoryUsage().rss on a timer; the peak is what W7 reports. */
export interface RssSummary {
  peakMb: number;
  meanMb: number;
  samples: number;
}

const MB = 1024 * 1024;

export function rssNowMb(): number {
  return process.memoryUsage().rss / MB;
}

export class RssSampler {
  private timer: NodeJS.Timeout | null = null;
  private peak = 0;
  private sum = 0;
  private count = 0;

  constructor(private readonly intervalMs = 100) {}

  start(): this {
    this.sample();
    this.timer = setInterval(() => this.sample(), this.intervalMs);
    return this;
  }

  stop(): RssSummary {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.sample();
    return { peakMb: this.peak / MB, meanMb: this.count ? this.sum / this.count / MB : 0, samples: this.count };
  }

  private sample(): void {
    const rss = process.memoryUsage().rss;
    if (rss > this.peak) this.peak = rss;
    this.sum += rss;
    this.count++;
  }
}
