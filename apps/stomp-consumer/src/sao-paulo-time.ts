/**
 * `dd/mm/yyyy HH:MM:SS` local time in America/Sao_Paulo → UTC, with the zone's offset for that
 * instant from the platform's time-zone database (Brazil observed DST until 2019).
 */
const ZONE = "America/Sao_Paulo";
const PATTERN = /^(\d{2})\/(\d{2})\/(\d{4}) (\d{2}):(\d{2}):(\d{2})$/;

const formatter = new Intl.DateTimeFormat("en-US", {
  timeZone: ZONE,
  hourCycle: "h23",
  year: "numeric",
  month: "2-digit",
  day: "2-digit",
  hour: "2-digit",
  minute: "2-digit",
  second: "2-digit",
});

/** The zone's offset from UTC (ms) at instant `utcMs`. */
function offsetAt(utcMs: number): number {
  const parts = Object.fromEntries(formatter.formatToParts(new Date(utcMs)).map((p) => [p.type, p.value]));
  const asUtc = Date.UTC(
    +parts.year!,
    +parts.month! - 1,
    +parts.day!,
    +parts.hour!,
    +parts.minute!,
    +parts.second!,
  );
  return asUtc - utcMs;
}

/** The UTC instant, or undefined when the text is not a real date/time in that format. */
export function parseSaoPauloDateTime(text: string): Date | undefined {
  const m = PATTERN.exec(text);
  if (!m) return undefined;
  const [day, month, year, hour, minute, second] = m.slice(1).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const local = Date.UTC(year, month - 1, day, hour, minute, second);
  const check = new Date(local);
  if (
    check.getUTCDate() !== day ||
    check.getUTCMonth() !== month - 1 ||
    hour > 23 ||
    minute > 59 ||
    second > 59
  ) {
    return undefined;
  }
  // two passes settle instants next to an offset change
  let utc = local - offsetAt(local);
  utc = local - offsetAt(utc);
  return new Date(utc);
}
