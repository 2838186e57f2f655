/**
 * Secret redaction for messages and logs. Known secret values (registered by the code that
 * reads them) are replaced wherever they appear; common credential shapes are masked too.
 */
const registered = new Set<string>();

export const REDACTED = "[REDACTED]";

/** Register a secret value (token, password) so it is masked in every message and log. */
export function registerSecret(value: string | undefined | null): void {
  if (value && value.length >= 4) registered.add(value);
}

const PATTERNS: Array<[RegExp, string]> = [
  // Authorization: Bearer xxx / Basic xxx
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{4,}/gi, `$1 ${REDACTED}`],
  // user:password@ in URLs
  [/([a-z][a-z0-9+.-]*:\/\/[^/\s:@]*):[^@\s/]+@/gi, `$1:${REDACTED}@`],
  // presigned URL signatures and credentials
  [
    /([?&](?:X-Amz-Signature|X-Amz-Credential|X-Amz-Security-Token|Signature|AWSAccessKeyId)=)[^&\s"']+/gi,
    `$1${REDACTED}`,
  ],
  // AWS access key ids
  [/\b(AKIA|ASIA)[0-9A-Z]{16}\b/g, REDACTED],
  // key=value / "key": "value" for secret-looking keys
  [
    /((?:password|passwd|pwd|secret|token|access_token|api_key|apikey|secret_access_key|authorization)["']?\s*[:=]\s*["']?)([^"'\s&,;}]{3,})/gi,
    `$1${REDACTED}`,
  ],
];

export function redact(text: string): string {
  let out = text;
  for (const secret of registered) {
    if (out.includes(secret)) out = out.split(secret).join(REDACTED);
  }
  for (const [re, repl] of PATTERNS) out = out.replace(re, repl);
  return out;
}

const SECRET_KEY =
  /^(password|passwd|pwd|secret|token|access_?token|api_?key|authorization|secret_?access_?key|aws_secret_access_key|dsn)$/i;

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
