import { INTERCOM_STREAMS, intercomObjectName } from "@sluice/source-intercom";

/**
 * Where fargate-extract puts things under `S3_PREFIX` (documented in the README):
 *
 * | object                                   | written by        | holds                                      |
 * | ---------------------------------------- | ----------------- | ------------------------------------------ |
 * | `users.<ext>`, `<stream>.<ext>`          | full runs         | the complete snapshot when the run started |
 * | `changes/users.<ext>`, `changes/<stream>.<ext>` | incremental runs | records created or changed since the previous run |
 * | `deleted/contacts.<ext>`, `deleted/conversations.<ext>` | every run | ids deleted since the previous run (`[]` after a full run) |
 * | `_state/extract/<stream>.json`           | every run         | the stream's cursor for the next incremental run |
 * | `_state/extract.json`                    | older versions    | read only: cursors of streams without their own object yet |
 * | `_state/contact-ids.json`                | runs with contacts | ids of the known contacts (deletion check) |
 *
 * Every object belongs to one stream (contact ids to contacts), so tasks extracting different
 * streams into one prefix at once never write the same object. An incremental run never
 * overwrites the snapshot, and a full run removes the `changes/` objects of the streams it ran,
 * so every object says what it holds by where it is.
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

/** Where each stream's checkpoint lives (an `s3StateStore` keyTemplate; `{prefix}` is S3_PREFIX). */
export const EXTRACT_STATE_KEY_TEMPLATE = "{prefix}_state/extract/{stream}.json";

/** The one checkpoint object of versions before per-stream state: still read, never written. */
export function legacyExtractStateKey(prefix: string): string {
  return `${prefix}_state/extract.json`;
}

/** Listing prefix of a stream's `changes/` objects, whatever their extension. */
export function changesPrefix(prefix: string, stream: string): string {
  return `${prefix}changes/${intercomObjectName(stream)}.`;
}

/** Where the known contact ids live (the source's idStore). */
export function contactIdsKey(prefix: string): string {
  return `${prefix}_state/contact-ids.json`;
}
