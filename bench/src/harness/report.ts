/** The results table, machine facts, and RESULTS.md (dated sections, newest first). */
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { join } from "node:path";
import { BENCH_ROOT, REPO_ROOT } from "./child.js";

export interface Row {
  scenario: string;
  sluice: string;
  baseline: string;
  ratio: string;
  memory: string;
  goal: string;
  /** "met", "MISSED by ...", or "n/a". */
  verdict: string;
}

export const HEADER = ["Scenario", "Sluice", "Baseline", "Ratio", "Peak RSS", "Goal", "Verdict"] as const;

export const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;
export const sec = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
export const ratio = (x: number) => `${x.toFixed(2)}x`;
export const int = (n: number) => Math.round(n).toLocaleString("en-US");

function cpuModel(): string {
  try {
    const lines = readFileSync("/proc/cpuinfo", "utf8").split("\n");
    const name = lines.find((l) => l.startsWith("model name"));
    if (name) return name.split(":")[1]?.trim() ?? "unknown";
  } catch {}
  return cpus()[0]?.model ?? "unknown";
}

function gitCommit(): string {
  try {
    const sha = execFileSync("git", ["rev-parse", "--short", "HEAD"], { cwd: REPO_ROOT }).toString().trim();
    const dirty = execFileSync("git", ["status", "--porcelain", "--", "packages", "apps"], { cwd: REPO_ROOT })
      .toString()
      .trim();
    return dirty ? `${sha} (+ uncommitted changes in packages/apps)` : sha;
  } catch {
    return "unknown";
  }
}

export function machineFacts(): Record<string, string> {
  return {
    CPU: `${cpuModel()}, ${cpus().length} cores`,
    RAM: `${(totalmem() / 1024 ** 3).toFixed(1)} GiB`,
    Node: process.version,
    OS: `${process.platform} ${process.arch}`,
    Commit: gitCommit(),
  };
}

const esc = (s: string) => s.replace(/\|/g, "\\|");

export function markdownTable(rows: Row[]): string {
  const lines = [`| ${HEADER.join(" | ")} |`, `|${HEADER.map(() => " --- ").join("|")}|`];
  for (const r of rows) {
    lines.push(
      `| ${[r.scenario, r.sluice, r.baseline, r.ratio, r.memory, r.goal, r.verdict].map(esc).join(" | ")} |`,
    );
  }
  return lines.join("\n");
}

export interface Section {
  date: Date;
  mode: string;
  rows: Row[];
  notes: string[];
  totalMs: number;
}

export function renderSection(s: Section): string {
  const facts = machineFacts();
  const out = [
    `## ${s.date.toISOString().replace("T", " ").slice(0, 16)} UTC (${s.mode}, ${sec(s.totalMs)})`,
    "",
    Object.entries(facts)
      .map(([k, v]) => `- ${k}: ${v}`)
      .join("\n"),
    "",
    markdownTable(s.rows),
  ];
  if (s.notes.length > 0) out.push("", "Notes:", "", ...s.notes.map((n) => `- ${n}`));
  return `${out.join("\n")}\n`;
}

const TITLE = "# Sluice benchmark results";
const INTRO = [
  TITLE,
  "",
  "Written by `pnpm bench` (bench/src/main.ts). Each section is one run, newest first; every ratio",
  "compares figures measured in that same run. Peak RSS is per child process (VmHWM).",
  "",
].join("\n");

/** Prepends `section` to bench/RESULTS.md (created with an intro if missing). */
export function appendResults(section: string, file = join(BENCH_ROOT, "RESULTS.md")): string {
  let body = "";
  if (existsSync(file)) {
    const text = readFileSync(file, "utf8");
    const first = text.indexOf("\n## ");
    body = first >= 0 ? text.slice(first + 1) : "";
  }
  writeFileSync(file, `${INTRO}\n${section}${body ? `\n${body}` : ""}`);
  return file;
}
