import { ConfigError } from "@sluice/core";

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    try {
      f = new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" });
    } catch (e) {
      throw new ConfigError(
        "partition time zone",
        [{ field: "timeZone", message: `unknown IANA time zone "${timeZone}"` }],
        {
          cause: e,
        },
      );
    }
    formatters.set(timeZone, f);
  }
  return f;
}

/** Throws a ConfigError unless `timeZone` is an IANA zone this runtime knows. */
export function assertTimeZone(timeZone: string): void {
  formatter(timeZone);
}

/** The calendar day (`YYYY-MM-DD`) of `instant` in `timeZone`. */
export function dayIn(instant: Date, timeZone: string): string {
  const parts = formatter(timeZone).formatToParts(instant);
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? "";
  return `${get("year")}-${get("month")}-${get("day")}`;
}

/** The day before `day` (`YYYY-MM-DD`), calendar arithmetic only. */
export function previousDay(day: string): string {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() - 1);
  return d.toISOString().slice(0, 10);
}

/** D-1: yesterday in `timeZone` as seen at `now`. */
export function yesterdayIn(now: Date, timeZone: string): string {
  return previousDay(dayIn(now, timeZone));
}

/** True for a real calendar date written `YYYY-MM-DD`. */
export function isIsoDay(value: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
  const d = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === value;
}

/** `${prefix}context_date=${day}/`: the raw (or enriched) partition of one day. */
export function dayPrefix(prefix: string, day: string): string {
  return `${prefix}context_date=${day}/`;
}

/** `${prefix}context_date=${day}/${updateId}.json`: where the webhook stores one update. */
export function rawUpdateKey(prefix: string, day: string, updateId: string | number): string {
  return `${dayPrefix(prefix, day)}${updateId}.json`;
}

/** `${prefix}context_date=${day}/telegram.parquet`: the daily enriched file. */
export function enrichedKey(prefix: string, day: string): string {
  return `${dayPrefix(prefix, day)}telegram.parquet`;
}
