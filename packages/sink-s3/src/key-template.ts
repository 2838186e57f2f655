/**
 * Object key templates: `{prefix}{stream}/date={yyyy}-{mm}-{dd}/part-{n}.{ext}`.
 * Dates come from the run start, in UTC; `{n}` is the object number within a stream,
 * zero-padded to 5 digits so keys sort in write order.
 */
export const PLACEHOLDERS = ["prefix", "stream", "ext", "yyyy", "mm", "dd", "hh", "runId", "n"] as const;
export type Placeholder = (typeof PLACEHOLDERS)[number];

export interface KeyVars {
  prefix: string;
  stream: string;
  ext: string;
  runId: string;
  runStartedAt: Date;
  n: number;
}

const TOKEN = /\{([A-Za-z]+)\}/g;

/** The placeholder names a template uses, in order (`{a}/{b}` → `["a", "b"]`). */
export function placeholdersIn(template: string): string[] {
  return [...template.matchAll(TOKEN)].map((m) => m[1]!);
}

/** Replaces each `{name}` that `values` has; any other placeholder is left as it is. */
export function fillTemplate(template: string, values: Readonly<Record<string, string>>): string {
  return template.replace(TOKEN, (whole, name: string) =>
    Object.hasOwn(values, name) ? values[name]! : whole,
  );
}

/** Placeholders used in the template that are not known (for validation messages). */
export function unknownPlaceholders(template: string): string[] {
  const known = new Set<string>(PLACEHOLDERS);
  return placeholdersIn(template).filter((name) => !known.has(name));
}

export function usesPlaceholder(template: string, name: Placeholder): boolean {
  return template.includes(`{${name}}`);
}

const pad = (value: number, width: number) => String(value).padStart(width, "0");

function values(vars: KeyVars): Record<Placeholder, string> {
  const d = vars.runStartedAt;
  return {
    prefix: vars.prefix,
    stream: vars.stream,
    ext: vars.ext,
    yyyy: pad(d.getUTCFullYear(), 4),
    mm: pad(d.getUTCMonth() + 1, 2),
    dd: pad(d.getUTCDate(), 2),
    hh: pad(d.getUTCHours(), 2),
    runId: vars.runId,
    n: pad(vars.n, 5),
  };
}

/** Renders a template; unknown placeholders are left as they are (validated beforehand). */
export function renderKey(template: string, vars: KeyVars): string {
  return fillTemplate(template, values(vars));
}

/**
 * For a template containing `{n}`: the listing prefix (everything before `{n}`) and a parser
 * that extracts `n` from a key rendered from the same template, so append mode can continue
 * after the highest existing number.
 */
export function numberedKeyPattern(
  template: string,
  vars: Omit<KeyVars, "n">,
): { listPrefix: string; parse(key: string): number | undefined } {
  const marker = "\u0000N\u0000";
  const v = values({ ...vars, n: 0 });
  const rendered = fillTemplate(template, { ...v, n: marker });
  const [head = "", ...rest] = rendered.split(marker);
  const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const fullRe = new RegExp(`^${[head, ...rest].map(escapeRe).join("(\\d+)")}$`);
  return {
    listPrefix: head,
    parse(key) {
      const m = fullRe.exec(key);
      if (!m) return undefined;
      const n = Number(m[1]);
      return Number.isSafeInteger(n) ? n : undefined;
    },
  };
}
