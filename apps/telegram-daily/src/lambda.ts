/**
 * AWS Lambda entry point, invoked by EventBridge Scheduler at 00:00 America/Sao_Paulo with
 * `{"scheduledTime": "<aws.scheduler.scheduled-time>"}`. D-1 is computed from the scheduled time,
 * not the invocation time, so a retried or late invocation processes the same day. `{"date":
 * "YYYY-MM-DD"}` reprocesses a given day. Failures throw (Lambda retries, then the DLQ).
 */
import { createLogger, DataError } from "@sluice/core";
import { isIsoDay } from "@sluice/source-telegram";
import { runDaily } from "./daily.js";
import { readDailyConfig } from "./env.js";

const config = readDailyConfig();
const logger = createLogger({ name: "telegram-daily", level: config.logLevel });

export interface DailyEvent {
  date?: string;
  scheduledTime?: string;
}

export async function handler(
  event: DailyEvent = {},
): Promise<{ day: string; key: string; records: number }> {
  if (event.date !== undefined && !isIsoDay(event.date))
    throw new DataError("event.date must be YYYY-MM-DD", { field: "date" });
  const scheduled = event.scheduledTime ? new Date(event.scheduledTime) : undefined;
  if (scheduled && Number.isNaN(scheduled.getTime()))
    throw new DataError("event.scheduledTime must be an ISO time", { field: "scheduledTime" });
  const report = await runDaily(
    { ...config, date: event.date ?? config.date },
    { logger, now: () => scheduled ?? new Date() },
  );
  return { day: report.day, key: report.key, records: report.records };
}
