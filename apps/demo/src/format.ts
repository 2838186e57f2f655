import type { ProgressEvent } from "@sluice/core";

const nf = new Intl.NumberFormat("en-US");

export function formatCount(n: number): string {
  return nf.format(n);
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ["KiB", "MiB", "GiB", "TiB"];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(v >= 100 ? 0 : 1)} ${units[i]}`;
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  return `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
}

/** A left-aligned text table with a header rule, indented by two spaces. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) =>
    `  ${cells
      .map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0)))
      .join("   ")
      .trimEnd()}`;
  const rule = `  ${widths.map((w) => "-".repeat(w)).join("   ")}`;
  return [line(header), rule, ...rows.map(line)].join("\n");
}

/** One line per progress event: records (of total), rate and ETA. */
export function describeProgress(task: string, e: ProgressEvent): string {
  const of = e.total !== undefined ? ` / ${formatCount(e.total)}` : "";
  const eta = e.etaSeconds !== undefined ? `  ETA ${e.etaSeconds}s` : "";
  return `  … ${task} ${e.stream.padEnd(14)} ${formatCount(e.records).padStart(7)}${of} records  ${formatCount(Math.round(e.rate))}/s${eta}`;
}

/** A progress callback that prints changed progress at most once per stream and tick. */
export function createProgressPrinter(
  task: string,
  print: (line: string) => void,
): (e: ProgressEvent) => void {
  const last = new Map<string, number>();
  return (e) => {
    if (e.status !== "running" || last.get(e.stream) === e.records) return;
    last.set(e.stream, e.records);
    print(describeProgress(task, e));
  };
}
