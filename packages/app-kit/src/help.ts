/**
 * `--help` for every app, generated from its env schema: one line per variable saying whether
 * it is required, its default (what the schema yields for an unset variable) or that it is
 * optional, and its description (zod's `.describe()`), then an example invocation.
 */
import type { z } from "zod";

/** What an app's `--help` prints besides the variables. */
export interface AppHelp {
  /** One or two sentences: what the app does. */
  summary: string;
  /** The app's env schema (a `z.object` of variables, each ideally `.describe()`d); none: no variables. */
  schema?: z.ZodObject;
  /** A complete example invocation, e.g. `S3_BUCKET=my-lake node dist/main.js`. */
  example: string;
  /** Extra lines after the variables (rules across variables, where AWS settings come from). */
  notes?: readonly string[];
}

/** True when the arguments ask for help (`--help` or `-h`). */
export function wantsHelp(argv: readonly string[]): boolean {
  return argv.includes("--help") || argv.includes("-h");
}

export interface VariableHelp {
  name: string;
  /** "required", "default <value>" or "optional". */
  presence: string;
  description: string;
}

/** Each variable of `schema`: required, its default, or optional; and its description. */
export function describeVariables(schema: z.ZodObject): VariableHelp[] {
  return Object.entries(schema.shape).map(([name, field]) => {
    const type = field as z.ZodType;
    const unset = type.safeParse(undefined);
    let presence = "required";
    if (unset.success) presence = unset.data === undefined ? "optional" : `default ${show(unset.data)}`;
    return { name, presence, description: type.description ?? "" };
  });
}

function show(value: unknown): string {
  if (Array.isArray(value)) return value.join(",");
  if (typeof value === "string") return value === "" ? '""' : value;
  return String(value);
}

/** The full `--help` text of app `name` (ends with a newline). */
export function formatHelp(name: string, help: AppHelp): string {
  const vars = help.schema ? describeVariables(help.schema) : [];
  const nameWidth = Math.max(0, ...vars.map((v) => v.name.length));
  const presenceWidth = Math.max(0, ...vars.map((v) => v.presence.length));
  const lines = [
    `${name}: ${help.summary}`,
    "",
    `Usage: ${name} [--help | -h]   (configured by environment variables only)`,
    "",
    "Environment variables:",
    ...vars.map((v) =>
      `  ${v.name.padEnd(nameWidth)}  ${v.presence.padEnd(presenceWidth)}  ${v.description}`.trimEnd(),
    ),
  ];
  if (vars.length === 0) lines.push("  (none)");
  if (help.notes && help.notes.length > 0) lines.push("", ...help.notes);
  lines.push("", "Example:", `  ${help.example}`, "");
  return lines.join("\n");
}
