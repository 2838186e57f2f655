import { describe, expect, it } from "vitest";
import { Inbox } from "./inbox.js";

describe("Inbox", () => {
  it("hands over everything queued, waits when empty, and leaves no abort listener behind", async () => {
    const inbox = new Inbox<number>();
    const ac = new AbortController();
    let listeners = 0;
    const signal = ac.signal;
    const add = signal.addEventListener.bind(signal);
    const remove = signal.removeEventListener.bind(signal);
    signal.addEventListener = ((...a: Parameters<typeof add>) => {
      listeners++;
      add(...a);
    }) as typeof add;
    signal.removeEventListener = ((...a: Parameters<typeof remove>) => {
      listeners--;
      remove(...a);
    }) as typeof remove;
    for (let i = 0; i < 50; i++) {
      const next = inbox.take(signal);
      inbox.push(i);
      expect(await next).toEqual([i]);
    }
    expect(listeners).toBe(0);
    inbox.push(1);
    inbox.push(2);
    expect(await inbox.take(signal)).toEqual([1, 2]);
    const waiting = inbox.take(signal);
    ac.abort();
    expect(await waiting).toEqual([]);
  });

  it("rethrows a failure to the reader", async () => {
    const inbox = new Inbox<number>();
    const waiting = inbox.take(new AbortController().signal);
    inbox.fail(new Error("bad login"));
    await expect(waiting).rejects.toThrow("bad login");
  });
});
