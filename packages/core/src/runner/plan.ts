import { ConfigError, type ConfigIssue } from "../errors.js";
import type { Sink, Source, StreamDescriptor, SyncMode, WriteMode } from "../types.js";
import { throwIfAborted } from "./util.js";

const ALL_MODES: WriteMode[] = ["replace", "append", "upsert"];

export interface StreamPlan {
  descriptor: StreamDescriptor;
  /** The sync mode this stream is read in (incremental falls back to full without a cursor). */
  syncMode: SyncMode;
  writeMode: WriteMode;
  /** `prefix/stream`: where its checkpoint lives. */
  stateKey: string;
  warnings: Array<{ code: string; message: string }>;
}

export interface PlanInput {
  source: Source;
  sink: Sink;
  streams?: string[] | undefined;
  /** Descriptors for a source without `discover`, or overriding what it discovered. */
  descriptors?: StreamDescriptor[] | undefined;
  syncMode: SyncMode;
  writeMode?: WriteMode | undefined;
  stateKeyPrefix: string;
  delivery: "batch" | "continuous";
  signal: AbortSignal;
}

/**
 * Stage 1 of a run: which streams, read how, landed how. Discovery is optional: without it the
 * streams are the given descriptors, or bare `{ name, primaryKey: [] }` for the given names.
 * The write mode is derived per stream from what the sink supports (`capabilities.writeModes`)
 * and the stream's effective sync mode, unless one is given (and then it must be supported).
 */
export async function planStreams(input: PlanInput): Promise<StreamPlan[]> {
  throwIfAborted(input.signal);
  if (!input.source.discover && !input.streams && !input.descriptors) {
    throw new ConfigError("stream selection", [
      {
        field: "streams",
        message: `${input.source.name} has no discover(): name the streams (or give descriptors)`,
      },
    ]);
  }
  const descriptors = await resolveDescriptors(input);
  const byName = new Map(descriptors.map((d) => [d.name, d]));
  const selected = input.streams ?? descriptors.map((d) => d.name);
  const unknown = selected.filter((s) => !byName.has(s));
  if (unknown.length > 0) {
    const offered = descriptors.map((d) => d.name).join(", ") || "(none)";
    throw new ConfigError(
      "stream selection",
      unknown.map((s) => ({
        field: "streams",
        message: `unknown stream "${s}"; ${input.source.name} offers: ${offered}`,
      })),
    );
  }
  const supported = input.sink.capabilities?.writeModes ?? ALL_MODES;
  const issues: ConfigIssue[] = [];
  const plans = selected.map((name): StreamPlan => {
    const descriptor = byName.get(name)!;
    const warnings: StreamPlan["warnings"] = [];
    const modes = descriptor.syncModes ?? (descriptor.cursorField ? ["full", "incremental"] : ["full"]);
    let syncMode = input.syncMode;
    if (syncMode === "incremental" && !modes.includes("incremental")) {
      syncMode = "full";
      warnings.push({
        code: "incremental_unsupported",
        message: `stream ${name} supports only full refresh; read in full`,
      });
    }
    const writeMode = input.writeMode ?? defaultWriteMode(syncMode, descriptor, supported, input.delivery);
    const problem = writeModeProblem(writeMode, descriptor, supported, input);
    if (problem) issues.push({ field: "writeMode", message: problem });
    return { descriptor, syncMode, writeMode, stateKey: `${input.stateKeyPrefix}/${name}`, warnings };
  });
  if (issues.length > 0) throw new ConfigError("write mode", issues);
  return plans;
}

async function resolveDescriptors(input: PlanInput): Promise<StreamDescriptor[]> {
  const discovered = input.source.discover ? await input.source.discover(input.signal) : [];
  const overrides = new Map((input.descriptors ?? []).map((d) => [d.name, d]));
  const merged = discovered.map((d) => overrides.get(d.name) ?? d);
  for (const d of overrides.values()) if (!merged.some((m) => m.name === d.name)) merged.push(d);
  if (!input.source.discover) {
    for (const name of input.streams ?? []) {
      if (!merged.some((m) => m.name === name)) merged.push({ name, primaryKey: [] });
    }
  }
  return merged;
}

/**
 * Batch: a full read replaces the target, an incremental one merges by primary key; where the
 * sink cannot, the next best it supports (append). Continuous: the idempotent mode (upsert by
 * primary key) where possible, else append.
 */
export function defaultWriteMode(
  syncMode: SyncMode,
  descriptor: StreamDescriptor,
  supported: WriteMode[],
  delivery: "batch" | "continuous",
): WriteMode {
  const hasKey = descriptor.primaryKey.length > 0;
  const preference: WriteMode[] =
    delivery === "batch" && syncMode === "full" ? ["replace", "upsert", "append"] : ["upsert", "append"];
  const usable = preference.filter((m) => supported.includes(m) && (m !== "upsert" || hasKey));
  return usable[0] ?? (delivery === "batch" ? supported[0]! : "append");
}

function writeModeProblem(
  mode: WriteMode,
  descriptor: StreamDescriptor,
  supported: WriteMode[],
  input: PlanInput,
): string | undefined {
  const stream = descriptor.name;
  if (!supported.includes(mode)) {
    return `stream ${stream}: ${input.sink.name} supports ${supported.join(", ")}, not ${mode}`;
  }
  if (mode === "replace" && input.delivery === "continuous") {
    return `stream ${stream}: replace cannot commit in steps (continuous delivery, commitEveryCheckpoints): each commit would replace the last; use upsert or append`;
  }
  if (mode === "upsert" && descriptor.primaryKey.length === 0) {
    return `stream ${stream}: upsert needs a primary key and the stream has none`;
  }
  return undefined;
}
