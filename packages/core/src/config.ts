import type { z } from "zod";
import { ConfigError, type ConfigIssue } from "./errors.js";

/** Converts zod issues into ConfigIssues with dotted field paths. */
export function zodIssues(error: z.ZodError): ConfigIssue[] {
  return error.issues.map((issue) => ({
    field: issue.path.map(String).join("."),
    message: issue.message,
  }));
}

/**
 * Validates `input` against `schema`; throws a ConfigError listing every invalid field.
 * `subject` names what is being configured, e.g. "s3Sink options".
 */
export function parseOptions<S extends z.ZodType>(schema: S, input: unknown, subject: string): z.output<S> {
  const result = schema.safeParse(input);
  if (!result.success) throw new ConfigError(subject, zodIssues(result.error));
  return result.data;
}
