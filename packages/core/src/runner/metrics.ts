/** Commit latencies of one stream: a bounded window of the most recent, for p50/p99. */
export class LatencyWindow {
  private readonly samples: number[] = [];
  private next = 0;
  constructor(private readonly size = 1024) {}

  add(ms: number): void {
    if (this.samples.length < this.size) this.samples.push(ms);
    else this.samples[this.next] = ms;
    this.next = (this.next + 1) % this.size;
  }

  percentiles(): { p50: number; p99: number } | undefined {
    if (this.samples.length === 0) return undefined;
    const sorted = [...this.samples].sort((a, b) => a - b);
    const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
    return { p50: Math.round(at(0.5) * 10) / 10, p99: Math.round(at(0.99) * 10) / 10 };
  }
}
