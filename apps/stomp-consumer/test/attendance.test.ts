import { DataError } from "@sluice/core";
import { generateEvents, seededRandom, validEvent } from "@sluice/stomp-producer";
import { describe, expect, it } from "vitest";
import { attendanceTransform, cpfProblems, parseSaoPauloDateTime } from "../src/index.js";

const example = {
  name: "Geralt",
  document: "529.982.247-25",
  age: "40",
  sex: "masculino",
  channel: "whatsapp",
  services: { "1": "agendar consulta", "2": "informacoes" },
  date: "02/08/2021 11:35:42",
  headache: "sim",
  otherSymptoms: "nao",
  covidContact: "nao",
  covidTest: "negativo",
  serviceScore: "10",
  solved: "sim",
  _message_id: "ID:broker-1:1:1:1:1",
};

describe("attendance schema", () => {
  it("types the model and keeps the original strings and unknown fields", () => {
    const out = attendanceTransform({ ...example, protocol: "P-1" }, "attendances");
    expect(out).toMatchObject({
      name: "Geralt",
      document: "529.982.247-25",
      age: 40,
      date: "2021-08-02T14:35:42.000Z",
      headache: true,
      otherSymptoms: false,
      covidContact: false,
      serviceScore: 10,
      solved: true,
      protocol: "P-1",
      _message_id: "ID:broker-1:1:1:1:1",
      _original: {
        age: "40",
        date: "02/08/2021 11:35:42",
        headache: "sim",
        serviceScore: "10",
        solved: "sim",
      },
    });
  });

  it("converts Sao Paulo local time with the offset of that date (DST until 2019)", () => {
    expect(parseSaoPauloDateTime("15/01/2018 12:00:00")?.toISOString()).toBe("2018-01-15T14:00:00.000Z");
    expect(parseSaoPauloDateTime("15/07/2018 12:00:00")?.toISOString()).toBe("2018-07-15T15:00:00.000Z");
    expect(parseSaoPauloDateTime("31/02/2021 10:00:00")).toBeUndefined();
    expect(parseSaoPauloDateTime("2021-08-02 11:35:42")).toBeUndefined();
  });

  it("validates CPF check digits", () => {
    expect(cpfProblems("529.982.247-25")).toEqual([]);
    expect(cpfProblems("52998224725")).toEqual([]);
    expect(cpfProblems("529.982.247-26")).toEqual(["has invalid CPF check digits"]);
    expect(cpfProblems("111.111.111-11")).toHaveLength(1);
    expect(cpfProblems("12345")).toHaveLength(1);
  });

  it("rejects with a DataError naming fields and the message id, never the values", () => {
    const bad = { ...example, document: "529.982.247-26", age: "quarenta", date: "31/02/2021 25:61:00" };
    let error: unknown;
    try {
      attendanceTransform(bad, "attendances");
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DataError);
    const message = (error as DataError).message;
    expect(message).toMatch(/document has invalid CPF check digits/);
    expect(message).toMatch(/age must be a whole number/);
    expect(message).toMatch(/date must be a real date/);
    expect(message).toContain("ID:broker-1:1:1:1:1");
    for (const value of ["529.982.247-26", "quarenta", "31/02/2021"]) expect(message).not.toContain(value);
  });

  it("accepts every valid event the producer makes and rejects every broken one", () => {
    const random = seededRandom(7);
    for (let i = 0; i < 200; i++)
      expect(() => attendanceTransform(validEvent(random, `p${i}`) as never, "a")).not.toThrow();
    const events = [...generateEvents(1000, 3, 0.05)];
    const broken = events.filter((e) => e.invalid && e.invalid !== "broken_json");
    expect(broken.length).toBeGreaterThan(30);
    for (const e of broken) expect(() => attendanceTransform(JSON.parse(e.body), "a")).toThrow(DataError);
  });
});
