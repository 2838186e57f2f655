/**
 * Calendar-day boundaries in an IANA time zone, for the day-granular contact search
 * (docs/intercom-api-notes.md §5.3: "The day boundary uses your workspace's timezone").
 */
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** Throws a RangeError for an unknown zone name. */
export function assertTimeZone(timeZone: string): void {
  formatter(timeZone);
}

interface LocalParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

function localParts(epochSeconds: number, timeZone: string): LocalParts {
  const parts: Record<string, number> = {};
  for (const p of formatter(timeZone).formatToParts(new Date(epochSeconds * 1000))) {
    if (p.type !== "literal") parts[p.type] = Number(p.value);
  }
  return {
    year: parts.year ?? 1970,
    month: parts.month ?? 1,
    day: parts.day ?? 1,
    hour: parts.hour ?? 0,
    minute: parts.minute ?? 0,
    second: parts.second ?? 0,
  };
}

/** Offset of the zone from UTC at that instant, in seconds (east positive). */
function offsetSeconds(epochSeconds: number, timeZone: string): number {
  const p = localParts(epochSeconds, timeZone);
  const asUtc = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second) / 1000;
  return asUtc - Math.floor(epochSeconds);
}

/** Epoch seconds of local midnight starting the local calendar day that contains `epochSeconds`. */
export function startOfDay(epochSeconds: number, timeZone: string): number {
  const p = localParts(epochSeconds, timeZone);
  const midnightAsUtc = Date.UTC(p.year, p.month - 1, p.day) / 1000;
  // Two passes settle the offset even when midnight is near a DST change.
  let guess = midnightAsUtc - offsetSeconds(midnightAsUtc, timeZone);
  guess = midnightAsUtc - offsetSeconds(guess, timeZone);
  // If local midnight does not exist (DST gap at 00:00), the day starts at the first instant after it.
  if (guess > epochSeconds) guess = startOfDay(guess - 86_400, timeZone) + 86_400;
  return guess;
}

/** Epoch seconds of the start of the next local calendar day (days are 23..25 h long). */
export function startOfNextDay(epochSeconds: number, timeZone: string): number {
  return startOfDay(startOfDay(epochSeconds, timeZone) + 30 * 3600, timeZone);
}
