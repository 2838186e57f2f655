/**
 * The attendance model (customer-service events, all values strings as produced upstream) as a
 * zod schema: `date` (dd/mm/yyyy HH:MM:SS, America/Sao_Paulo) → ISO UTC, `age`/`serviceScore`
 * → numbers, `sim`/`nao` → booleans, `document` → a CPF with valid check digits. The original
 * strings of converted fields are kept under `_original`; unknown fields pass through.
 */
import { DataError, type JsonObject, type RecordTransform } from "@sluice/core";
import { z } from "zod";
import { cpfProblems } from "./cpf.js";
import { parseSaoPauloDateTime } from "./sao-paulo-time.js";

const YES_NO: Record<string, boolean> = { sim: true, s: true, nao: false, não: false, n: false };

const text = z.string({ error: "must be a string" }).trim().min(1, "must not be empty");

const yesNo = z.string({ error: "must be sim or nao" }).transform((v, ctx) => {
  const b = YES_NO[v.trim().toLowerCase()];
  if (b === undefined) ctx.addIssue({ code: "custom", message: "must be sim or nao" });
  return b ?? false;
});

const integerText = (min: number, max: number) =>
  z.string({ error: "must be a number as text" }).transform((v, ctx) => {
    const n = /^\s*-?\d+\s*$/.test(v) ? Number(v) : Number.NaN;
    if (!Number.isInteger(n) || n < min || n > max) {
      ctx.addIssue({ code: "custom", message: `must be a whole number from ${min} to ${max}` });
    }
    return n;
  });

const cpf = z.string({ error: "must be a CPF string" }).superRefine((v, ctx) => {
  for (const message of cpfProblems(v.trim())) ctx.addIssue({ code: "custom", message });
});

const saoPauloDate = z.string({ error: "must be a date string" }).transform((v, ctx) => {
  const d = parseSaoPauloDateTime(v.trim());
  if (!d) ctx.addIssue({ code: "custom", message: "must be a real date as dd/mm/yyyy HH:MM:SS" });
  return d?.toISOString() ?? "";
});

export const attendanceSchema = z.looseObject({
  name: text,
  document: cpf,
  age: integerText(0, 130),
  sex: text,
  channel: text,
  services: z.record(z.string(), z.string(), { error: "must be an object of strings" }),
  date: saoPauloDate,
  headache: yesNo,
  otherSymptoms: yesNo,
  covidContact: yesNo,
  covidTest: text,
  serviceScore: integerText(0, 10),
  solved: yesNo,
});

export type Attendance = z.output<typeof attendanceSchema>;

/** Fields whose parsed value differs in type from the original string. */
const CONVERTED = [
  "age",
  "date",
  "headache",
  "otherSymptoms",
  "covidContact",
  "serviceScore",
  "solved",
] as const;

/** Validates and types one attendance record; a DataError (→ dead letter) names the fields, never values. */
export const attendanceTransform: RecordTransform = (record: JsonObject, stream: string): JsonObject => {
  const result = attendanceSchema.safeParse(record);
  if (!result.success) {
    const fields = result.error.issues.map((i) => `${i.path.join(".") || "(record)"} ${i.message}`);
    throw new DataError(`attendance invalid: ${fields.join("; ")}`, {
      stream,
      recordId: typeof record._message_id === "string" ? record._message_id : undefined,
      field: result.error.issues[0]?.path.join("."),
    });
  }
  const original: JsonObject = {};
  for (const k of CONVERTED) original[k] = record[k];
  return { ...(result.data as JsonObject), _original: original };
};
