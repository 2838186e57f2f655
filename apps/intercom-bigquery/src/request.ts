/**
 * The request body, unchanged from the original function:
 * `{ intercom: { accessToken, entities }, bq: { project_id, dataset_id, location } }`.
 * Validated with zod; every problem is listed by path; no message ever contains a value.
 */
import { type ConfigIssue, zodIssues } from "@sluice/core";
import { z } from "zod";
import { ENTITIES, type Entity } from "./entities.js";

const entity = z.string().refine((e): e is Entity => (ENTITIES as readonly string[]).includes(e), {
  message: `unknown entity; use ${ENTITIES.join(", ")}`,
});

export const requestSchema = z.object({
  intercom: z.object({
    accessToken: z
      .string({ error: "is required (an Intercom access token)" })
      .trim()
      .min(1, "must not be empty"),
    entities: z
      .array(entity, { error: "must be a list of entity names" })
      .min(1, "must name at least one entity")
      .default([...ENTITIES])
      .transform((list) => [...new Set(list)] as Entity[]),
  }),
  bq: z.object({
    project_id: z
      .string({ error: "is required (a Google Cloud project id)" })
      .regex(/^[a-z][a-z0-9:.-]{2,62}$|^[a-z0-9-]+$/i, "must be a Google Cloud project id"),
    dataset_id: z
      .string({ error: "is required (a BigQuery dataset id)" })
      .regex(/^[A-Za-z0-9_]{1,1024}$/, "must be a BigQuery dataset id: letters, digits and _ only"),
    location: z.string().min(2, "must be a BigQuery location such as US or EU").default("US"),
  }),
});

export type SyncRequest = z.output<typeof requestSchema>;

export type ParsedRequest = { ok: true; request: SyncRequest } | { ok: false; issues: ConfigIssue[] };

/** Validates a body (already JSON-parsed). Never throws. */
export function parseRequest(body: unknown): ParsedRequest {
  const result = requestSchema.safeParse(body ?? {});
  if (result.success) return { ok: true, request: result.data };
  return {
    ok: false,
    issues: zodIssues(result.error).map((i) => ({ field: i.field || "(body)", message: i.message })),
  };
}
