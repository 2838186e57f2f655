import { INTERCOM_STREAMS, intercomObjectName } from "@sluice/source-intercom";

/**
 * Where fargate-extract puts things under `S3_PREFIX` (documented in the README):
 *
 * | object                                   | written by        | holds                                      |
 * | ---------------------------------------- | ----------------- | ------------------------------------------ |
 * | `users.<ext>`, `<stream>.<ext>`          | full runs         | the complete snapshot when the run started |
 * | `changes/users.<ext>`, `changes/<stream>.<ext>` | incremental runs | records created or changed since the previous run |
 * | `deleted/contacts.<ext>`, `deleted/conversations.<ext>` | every run | ids deleted since the previous run (`[]` after a full run) |
 * | `_state/extract.json`                    | every run         | the cursors of the next incremental run    |
 * | `_state/contact-ids.json`                | every run         | ids of the known contacts (deletion check) |
 *
 * An incremental run never overwrites the snapshot, and a full run removes the previous run's
 * `changes/` objects, so every object says what it holds by where it is.
 */

/** Streams whose deletions the extract writes to `deleted/<stream>`. */
export const DELETION_STREAMS: ReadonlySet<string> = new Set(["contacts", "conversations"]);

/** Object key templates per stream: contacts land as `users.*`, the rest under their own name. */
export function dataKeys(syncMode: "full" | "incremental"): {
  keyTemplate: string;
  keys: Record<string, string>;
} {
  const dir = syncMode === "incremental" ? "changes/" : "";
  const keys = Object.fromEntries(
    INTERCOM_STREAMS.filter((s) => intercomObjectName(s) !== s).map((s) => [
      s,
      `{prefix}${dir}${intercomObjectName(s)}.{ext}`,
    ]),
  );
  return { keyTemplate: `{prefix}${dir}{stream}.{ext}`, keys };
}

export const DELETED_KEY_TEMPLATE = "{prefix}deleted/{stream}.{ext}";

/** Where checkpoints live: next to the data. */
export function extractStateKey(prefix: string): string {
  return `${prefix}_state/extract.json`;
}

/** Where the known contact ids live (the source's idStore). */
export function contactIdsKey(prefix: string): string {
  return `${prefix}_state/contact-ids.json`;
}
