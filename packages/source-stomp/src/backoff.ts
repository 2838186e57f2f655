/** Exponential backoff with "equal jitter": half the step fixed, half random. */
export function backoffDelay(
  attempt: number,
  initialMs: number,
  maxMs: number,
  random: () => number,
): number {
  if (attempt <= 0) return 0;
  const step = Math.min(maxMs, initialMs * 2 ** (attempt - 1));
  return Math.round(step / 2 + random() * (step / 2));
}
