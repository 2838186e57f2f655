/**
 * Process-wide mutex per Intercom app (API host + token fingerprint): Intercom allows ONE open
 * company scroll per app, so every reader in this process queues here.
 */
const tails = new Map<string, Promise<void>>();

export async function withScrollLock<T>(key: string, signal: AbortSignal, fn: () => Promise<T>): Promise<T> {
  const release = await acquireScrollLock(key, signal);
  try {
    return await fn();
  } finally {
    release();
  }
}

/** Waits for the lock; resolves with the release function. */
export async function acquireScrollLock(key: string, signal: AbortSignal): Promise<() => void> {
  const previous = tails.get(key) ?? Promise.resolve();
  let release!: () => void;
  const mine = new Promise<void>((r) => {
    release = r;
  });
  const tail = previous.then(() => mine);
  tails.set(key, tail);
  const done = () => {
    release();
    if (tails.get(key) === tail) tails.delete(key);
  };
  try {
    await abortable(previous, signal);
  } catch (error) {
    done(); // our successors wait for `previous` then for us: already released
    throw error;
  }
  return done;
}

function abortable(p: Promise<void>, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    p.then(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    });
  });
}
