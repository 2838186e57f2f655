/** Tiny fetch wrapper used by this package's tests (not exported from the package entry). */
export interface CallResult {
  status: number;
  headers: Headers;
  text: string;
  // biome-ignore lint/suspicious/noExplicitAny: test convenience for deep JSON access
  json: any;
}

export interface CallOptions {
  method?: string;
  body?: unknown;
  token?: string | null;
  headers?: Record<string, string>;
}

export function client(baseUrl: string, token: string) {
  return async function call(path: string, opts: CallOptions = {}): Promise<CallResult> {
    const headers: Record<string, string> = {
      Accept: "application/json",
      "Intercom-Version": "2.16",
      ...(opts.body !== undefined ? { "Content-Type": "application/json" } : {}),
      ...(opts.headers ?? {}),
    };
    const tok = opts.token === undefined ? token : opts.token;
    if (tok !== null) headers.Authorization = `Bearer ${tok}`;
    const res = await fetch(baseUrl + path, {
      method: opts.method ?? (opts.body !== undefined ? "POST" : "GET"),
      headers,
      body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
    });
    const text = await res.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: res.status, headers: res.headers, text, json };
  };
}
