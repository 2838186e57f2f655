import { type JsonObject, type Sink, type SinkWriter, TOMBSTONE_FIELD } from "@sluice/core";

/**
 * Routes tombstone records (`_sluice_deleted: true`) of the deletion streams to a second sink
 * (`deleted/<stream>`), so the data object holds only live records and the deletions are data
 * any consumer can apply: `{ id, deleted_at, reason, merged_into? }`. The deletion object is
 * written on every run (empty when nothing was deleted) and counted in the commit report
 * (`details.deleted`).
 */
export function splitTombstones(data: Sink, deleted: Sink, streams: ReadonlySet<string>): Sink {
  return {
    name: data.name,
    ...(data.capabilities ? { capabilities: data.capabilities } : {}),
    check: (signal) => data.check?.(signal) ?? Promise.resolve(),
    close: async () => {
      await Promise.allSettled([data.close?.(), deleted.close?.()]);
    },
    async open(descriptor, options) {
      const main = await data.open(descriptor, options);
      if (!streams.has(descriptor.name)) return main;
      const dead = await deleted.open({ name: descriptor.name, primaryKey: ["id"] }, options);
      return splitWriter(main, dead);
    },
  };
}

function splitWriter(main: SinkWriter, dead: SinkWriter): SinkWriter {
  return {
    async write(records) {
      const live: JsonObject[] = [];
      const gone: JsonObject[] = [];
      for (const r of records) {
        if (r[TOMBSTONE_FIELD] === true) {
          const { [TOMBSTONE_FIELD]: _, ...rest } = r;
          gone.push(rest);
        } else live.push(r);
      }
      await Promise.all([
        live.length > 0 ? main.write(live) : undefined,
        gone.length > 0 ? dead.write(gone) : undefined,
      ]);
    },
    async commit(ctx) {
      const report = await main.commit(ctx);
      const deletions = await dead.commit({ stateKey: ctx.stateKey });
      return {
        ...report,
        details: {
          ...report.details,
          deleted: deletions.records,
          deletedLocation: deletions.location ?? null,
        },
      };
    },
    async abort(reason) {
      await Promise.allSettled([main.abort(reason), dead.abort(reason)]);
    },
  };
}
