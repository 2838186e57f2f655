import type { SimUpdate } from "./world.js";

export interface WebhookConfig {
  url: string;
  secretToken?: string;
  maxConnections: number;
  allowedUpdates?: string[];
}

export interface DeliveryAttempt {
  update_id: number;
  attempt: number;
  status: number;
}

export interface DeliveryOptions {
  /** Attempts per update before giving up. Default 5. */
  maxAttempts: number;
  /** Delay before each retry (ms), `retryDelayMs * attempt`. Default 50. */
  retryDelayMs: number;
  /** Per-request timeout. Default 10 s. */
  timeoutMs: number;
}

/** Pushes queued updates to the webhook (up to `maxConnections` at once), retrying non-2xx answers. */
export class WebhookDeliverer {
  readonly attempts: DeliveryAttempt[] = [];
  lastError: { date: number; message: string } | undefined;
  private queue: Array<{ update: SimUpdate; attempt: number }> = [];
  private inflight = 0;
  private timers = new Set<NodeJS.Timeout>();
  private idleWaiters: Array<() => void> = [];
  private stopped = false;

  constructor(
    private config: WebhookConfig,
    private readonly options: DeliveryOptions,
    private readonly now: () => Date,
  ) {}

  get pending(): number {
    return this.queue.length + this.inflight + this.timers.size;
  }

  reconfigure(config: WebhookConfig): void {
    this.config = config;
  }

  enqueue(update: SimUpdate): void {
    this.queue.push({ update, attempt: 1 });
    this.pump();
  }

  /** Updates not delivered yet (queued, in flight or waiting to retry are not all recoverable): the queue. */
  takeQueued(): SimUpdate[] {
    return this.queue.splice(0).map((q) => q.update);
  }

  idle(): Promise<void> {
    if (this.pending === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.queue = [];
    this.settle();
  }

  private settle(): void {
    if (this.pending > 0) return;
    for (const w of this.idleWaiters.splice(0)) w();
  }

  private pump(): void {
    while (!this.stopped && this.inflight < this.config.maxConnections && this.queue.length > 0) {
      const item = this.queue.shift()!;
      this.inflight++;
      void this.deliver(item.update, item.attempt).finally(() => {
        this.inflight--;
        this.pump();
        this.settle();
      });
    }
  }

  private async deliver(update: SimUpdate, attempt: number): Promise<void> {
    let status = 0;
    let message = "";
    try {
      const r = await fetch(this.config.url, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          ...(this.config.secretToken ? { "x-telegram-bot-api-secret-token": this.config.secretToken } : {}),
        },
        body: JSON.stringify(update),
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
      status = r.status;
      message = `Wrong response from the webhook: ${r.status} ${r.statusText}`;
      await r.arrayBuffer();
    } catch (e) {
      message = `Connection failed: ${(e as Error).message}`;
    }
    this.attempts.push({ update_id: update.update_id, attempt, status });
    if (status >= 200 && status < 300) return;
    this.lastError = { date: Math.floor(this.now().getTime() / 1000), message };
    if (this.stopped || attempt >= this.options.maxAttempts) return;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.queue.push({ update, attempt: attempt + 1 });
      this.pump();
      this.settle();
    }, this.options.retryDelayMs * attempt);
    this.timers.add(timer);
  }
}
