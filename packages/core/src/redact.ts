/**
 * Secret redaction for messages and logs. Secrets are masked where they are:
 *
 * - in context, whatever their length: URL userinfo (`scheme://user:SECRET@host`), secret-named
 *   pairs (`password=SECRET`, `"token": "SECRET"`), `Bearer`/`Basic` credentials, presigned-URL
 *   signatures, AWS access key ids;
 * - anywhere in free text, registered values (`registerSecret`) of at least
 *   `FREE_TEXT_MIN_LENGTH` characters: long enough to be unambiguous. A short value ("user")
 *   is masked only in context, so a message is never mangled by masking every common word.
 *
 * Placeholders in help texts and examples (`mysql://user:password@host`) and MySQL's
 * `(using password: YES)` are left alone unless they are a registered secret.
 */
const registered = new Set<string>();

export const REDACTED = "[REDACTED]";

/** Registered secrets this long or longer are masked anywhere in free text. */
export const FREE_TEXT_MIN_LENGTH = 8;

/** Register a secret value (token, password) so it is masked in every message and log. */
export function registerSecret(value: string | undefined | null): void {
  if (!value) return;
  registered.add(value);
  const encoded = encodeURIComponent(value);
  if (encoded !== value) registered.add(encoded);
}

/** Values that stand for a secret in documentation rather than being one. */
const PLACEHOLDER =
  /^(?:password|passwd|pass|pwd|secret|token|changeme|x+|\*+|<[^<>]*>|\$\{[^{}]*\}|\[REDACTED\])$/i;

function isSecretValue(value: string): boolean {
  return registered.has(value) || !PLACEHOLDER.test(value);
}

const SECRET_KEYS =
  "password|passwd|pwd|secret|token|access_token|api_key|apikey|secret_access_key|authorization|client_secret";

type Replacer = (match: string, ...groups: string[]) => string;

const PATTERNS: Array<[RegExp, string | Replacer]> = [
  // Authorization: Bearer xxx / Basic xxx
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{4,}/gi, `$1 ${REDACTED}`],
  // user:password@ in URLs (a placeholder such as "password" in an example stays readable)
  [
    /([a-z][a-z0-9+.-]*:\/\/[^/\s:@]*):([^@\s/]+)@/gi,
    (m, head: string, pw: string) => (isSecretValue(pw) ? `${head}:${REDACTED}@` : m),
  ],
  // presigned URL signatures and credentials
  [
    /([?&](?:X-Amz-Signature|X-Amz-Credential|X-Amz-Security-Token|Signature|AWSAccessKeyId)=)[^&\s"']+/gi,
    `$1${REDACTED}`,
  ],
  // AWS access key ids
  [/\b(AKIA|ASIA)[0-9A-Z]{16}\b/g, REDACTED],
  // key=value / "key": "value" / key: value for secret-looking keys
  [
    new RegExp(`((?:${SECRET_KEYS})["']?\\s*([:=])\\s*["']?)([^"'\\s&,;}]+)`, "gi"),
    (m, head: string, sep: string, value: string) => {
      // MySQL's "Access denied ... (using password: YES)" says whether one was sent, not what
      if (sep === ":" && /^(?:YES|NO)\)?$/.test(value)) return m;
      return isSecretValue(value) ? `${head}${REDACTED}` : m;
    },
  ],
];

/** `text` with every secret masked (see the module comment for what counts as one). */
export function redact(text: string): string {
  let out = text;
  for (const secret of registered) {
    if (secret.length >= FREE_TEXT_MIN_LENGTH && out.includes(secret)) out = out.split(secret).join(REDACTED);
  }
  for (const [re, repl] of PATTERNS) out = out.replace(re, repl as (m: string, ...g: string[]) => string);
  return redactShortInContext(out);
}

/** Short registered secrets, masked only as URL userinfo without a scheme (`user:SECRET@host`). */
function redactShortInContext(text: string): string {
  let out = text;
  for (const secret of registered) {
    if (secret.length >= FREE_TEXT_MIN_LENGTH) continue;
    const userinfo = `:${secret}@`;
    if (out.includes(userinfo)) out = out.split(userinfo).join(`:${REDACTED}@`);
  }
  return out;
}

const SECRET_KEY =
  /^(password|passwd|pwd|secret|token|access_?token|api_?key|authorization|secret_?access_?key|aws_secret_access_key|client_?secret|dsn)$/i;

/** Deep-copies a value, masking secret-named keys and secret-shaped strings. */
export function redactValue<T>(value: T, depth = 0): T {
  if (depth > 8) return value;
  if (typeof value === "string") return redact(value) as T;
  // errors are serialised (and redacted) by the logger's error serialisers
  if (value instanceof Error) return value;
  if (Array.isArray(value)) return value.map((v) => redactValue(v, depth + 1)) as T;
  if (value && typeof value === "object" && !(value instanceof Date) && !Buffer.isBuffer(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      out[k] = SECRET_KEY.test(k) && v != null ? REDACTED : redactValue(v, depth + 1);
    }
    return out as T;
  }
  return value;
}
