import type { App } from "aws-cdk-lib";
import type { AuroraTarget } from "./constructs/aurora.js";

/**
 * Reads the CDK context (`cdk.json`, `-c key=value`) into stack settings. Every key is
 * optional and has a default; nothing here is an account id or a secret (secrets are
 * referenced by ARN, and ARNs come from `-c` at deploy time).
 */
export class Context {
  constructor(private readonly app: App) {}

  string(key: string, fallback: string): string;
  string(key: string): string | undefined;
  string(key: string, fallback?: string): string | undefined {
    const v = this.app.node.tryGetContext(key);
    if (v === undefined || v === null || v === "") return fallback;
    if (typeof v !== "string") throw new Error(`context ${key} must be a string (got ${typeof v})`);
    return v;
  }

  /**
   * A setting that is on by default and switched off by an empty value (`-c key=`, `"key": ""`):
   * `fallback` when the key is absent, undefined when it is empty.
   */
  stringOrOff(key: string, fallback: string): string | undefined {
    const v = this.app.node.tryGetContext(key);
    if (v === "") return undefined;
    return this.string(key, fallback);
  }

  /** `{ [as]: value }` when the key is set, `{}` otherwise: spread into props. */
  optional<K extends string>(key: K): Partial<Record<K, string>>;
  optional<K extends string>(key: string, as: K): Partial<Record<K, string>>;
  optional(key: string, as?: string): Partial<Record<string, string>> {
    const v = this.string(key);
    return v === undefined ? {} : { [as ?? key]: v };
  }

  number(key: string, fallback: number): number {
    const v = this.app.node.tryGetContext(key);
    if (v === undefined || v === null || v === "") return fallback;
    const n = typeof v === "number" ? v : Number(v);
    if (!Number.isInteger(n) || n < 0)
      throw new Error(`context ${key} must be a non-negative integer (got ${String(v)})`);
    return n;
  }

  list(key: string, fallback: string[]): string[] {
    const v = this.app.node.tryGetContext(key);
    if (Array.isArray(v)) return v.map(String);
    const s = this.string(key);
    return s
      ? s
          .split(",")
          .map((x) => x.trim())
          .filter(Boolean)
      : fallback;
  }

  /** `dbEndpoint` + `dbSecretArn` import an existing cluster; otherwise one is created. */
  database(): AuroraTarget {
    const databaseName = this.string("dbName", "sluice");
    const endpoint = this.string("dbEndpoint");
    const secretArn = this.string("dbSecretArn");
    if (!endpoint && !secretArn)
      return { mode: "create", databaseName, maxCapacity: this.number("dbMaxCapacity", 2) };
    if (!endpoint || !secretArn)
      throw new Error("context dbEndpoint and dbSecretArn go together (import an existing Aurora cluster)");
    const securityGroupId = this.string("dbSecurityGroupId");
    return {
      mode: "import",
      endpoint,
      secretArn,
      databaseName,
      ...(securityGroupId ? { securityGroupId } : {}),
    };
  }
}
