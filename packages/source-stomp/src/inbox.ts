/** Messages received but not yet yielded, with a wake-up for the reading generator. */
export class Inbox<T> {
  private items: T[] = [];
  private waiter: (() => void) | undefined;
  private failure: Error | undefined;

  push(item: T): void {
    this.items.push(item);
    this.wake();
  }

  /** Drops queued items the predicate rejects (e.g. those of a closed connection). */
  retain(keep: (item: T) => boolean): void {
    this.items = this.items.filter(keep);
  }

  fail(error: Error): void {
    this.failure = error;
    this.wake();
  }

  wake(): void {
    const w = this.waiter;
    this.waiter = undefined;
    w?.();
  }

  /** Everything queued now; waits (until pushed, failed, woken or aborted) when empty. */
  async take(signal: AbortSignal): Promise<T[]> {
    while (this.items.length === 0) {
      if (this.failure) throw this.failure;
      if (signal.aborted) return [];
      await new Promise<void>((resolve) => {
        const onAbort = () => resolve();
        this.waiter = () => {
          signal.removeEventListener("abort", onAbort);
          resolve();
        };
        signal.addEventListener("abort", onAbort, { once: true });
      });
      if (signal.aborted && this.items.length === 0) return [];
    }
    const out = this.items;
    this.items = [];
    return out;
  }
}
