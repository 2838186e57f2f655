import { formatOptionsSchema } from "@sluice/formats";
import { clientExclusivity, clientOptionFields } from "@sluice/s3-common";
import { z } from "zod";
import { unknownPlaceholders } from "./key-template.js";
import { bucketNameProblems, REGION_PATTERN } from "./naming-rules.js";

export const MIB = 1024 * 1024;
/** S3's minimum size of every part but the last. */
export const MIN_PART_SIZE = 5 * MIB;

/** S3 key rules we can check up front: non-empty, <= 1024 bytes, no leading "/", no ".." segment. */
export const objectKeySchema = z
  .string()
  .min(1, "must not be empty")
  .refine((k) => Buffer.byteLength(k) <= 1024, "must be at most 1024 bytes")
  .refine((k) => !k.startsWith("/"), 'must not start with "/"')
  .refine((k) => !k.split("/").includes(".."), 'must not contain ".." segments');

export const bucketSchema = z.string().superRefine((name, ctx) => {
  for (const message of bucketNameProblems(name)) ctx.addIssue({ code: "custom", message });
});

const templateSchema = objectKeySchema.superRefine((t, ctx) => {
  const unknown = unknownPlaceholders(t);
  if (unknown.length > 0) {
    ctx.addIssue({
      code: "custom",
      message: `unknown placeholder(s) ${unknown.map((u) => `{${u}}`).join(", ")}; use {prefix} {stream} {ext} {yyyy} {mm} {dd} {hh} {runId} {n}`,
    });
  }
});

export const s3SinkOptionsSchema = z
  .object({
    bucket: bucketSchema,
    prefix: z.string().default(""),
    keyTemplate: templateSchema.default("{prefix}{stream}.{ext}"),
    keys: z.record(z.string(), templateSchema).optional(),
    format: formatOptionsSchema.default({ format: "jsonl" }),
    partSize: z
      .number()
      .int()
      .min(MIN_PART_SIZE, `must be at least ${MIN_PART_SIZE} (5 MiB, the S3 minimum)`)
      .max(5 * 1024 * MIB)
      .default(8 * MIB),
    queueSize: z.number().int().min(1).max(64).default(4),
    manifest: z.union([z.object({ key: templateSchema }), z.literal(false)]).optional(),
    maxObjectBytes: z.number().int().min(1).optional(),
    maxRecordsPerObject: z.number().int().min(1).optional(),
    ...clientOptionFields,
    region: z.string().regex(REGION_PATTERN, "must be an AWS region code such as us-east-1").optional(),
  })
  .superRefine((o, ctx) => {
    if (!clientExclusivity.check(o)) ctx.addIssue({ code: "custom", ...clientExclusivity.issue });
    if (o.maxObjectBytes !== undefined || o.maxRecordsPerObject !== undefined) {
      if (!o.keyTemplate.includes("{n}")) {
        ctx.addIssue({
          code: "custom",
          path: ["keyTemplate"],
          message: "must contain {n} when maxObjectBytes or maxRecordsPerObject rolls objects",
        });
      }
      for (const [stream, key] of Object.entries(o.keys ?? {})) {
        if (!key.includes("{n}")) {
          ctx.addIssue({
            code: "custom",
            path: ["keys", stream],
            message: "must contain {n} when maxObjectBytes or maxRecordsPerObject rolls objects",
          });
        }
      }
    }
  });

/**
 * The options of `s3Sink`, as given (before defaults).
 *
 * @interface
 */
export type S3SinkOptions = z.input<typeof s3SinkOptionsSchema>;
export type ResolvedS3SinkOptions = z.output<typeof s3SinkOptionsSchema>;
