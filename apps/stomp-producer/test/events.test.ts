import { ConfigError } from "@sluice/core";
import { describe, expect, it } from "vitest";
import { generateEvents, INVALID_KINDS, randomCpf, readProducerConfig, seededRandom } from "../src/index.js";

const cpfValid = (cpf: string) => {
  const d = cpf.replace(/\D/g, "").split("").map(Number);
  const check = (n: number) => {
    const sum = d.slice(0, n).reduce((acc, x, i) => acc + x * (n + 1 - i), 0);
    return ((sum * 10) % 11) % 10;
  };
  return d.length === 11 && check(9) === d[9] && check(10) === d[10];
};

describe("generated events", () => {
  it("same seed, same events; another seed, other events", () => {
    const a = [...generateEvents(50, 9, 0.1)].map((e) => e.body);
    expect([...generateEvents(50, 9, 0.1)].map((e) => e.body)).toEqual(a);
    expect([...generateEvents(50, 10, 0.1)].map((e) => e.body)).not.toEqual(a);
  });

  it("follows the model: strings only, valid CPFs, dd/mm/yyyy HH:MM:SS dates", () => {
    for (const e of generateEvents(500, 1, 0)) {
      const v = JSON.parse(e.body) as Record<string, unknown>;
      expect(cpfValid(String(v.document))).toBe(true);
      expect(v.date).toMatch(/^\d{2}\/\d{2}\/\d{4} \d{2}:\d{2}:\d{2}$/);
      expect(["sim", "nao"]).toContain(v.headache);
      for (const [k, value] of Object.entries(v)) if (k !== "services") expect(typeof value).toBe("string");
    }
    const random = seededRandom(3);
    for (let i = 0; i < 1000; i++) expect(cpfValid(randomCpf(random))).toBe(true);
  });

  it("breaks exactly INVALID_RATIO of them, every kind represented", () => {
    const events = [...generateEvents(10_000, 5, 0.01)];
    const invalid = events.filter((e) => e.invalid);
    expect(invalid).toHaveLength(100);
    expect(new Set(invalid.map((e) => e.invalid))).toEqual(new Set(INVALID_KINDS));
    expect(new Set(events.map((e) => e.protocol)).size).toBe(10_000);
  });
});

describe("stomp-producer environment", () => {
  it("defaults and one error naming every bad variable", () => {
    expect(readProducerConfig({ STOMP_DESTINATION: "/queue/a" })).toMatchObject({
      url: "stomp://127.0.0.1:61613",
      count: 100,
      rate: undefined,
      seed: 1,
      invalidRatio: 0,
    });
    let error: unknown;
    try {
      readProducerConfig({ STOMP_URL: "x", COUNT: "many", RATE: "0", INVALID_RATIO: "2", SEED: "-1" });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).issues.map((i) => i.field).sort()).toEqual(
      ["COUNT", "INVALID_RATIO", "RATE", "SEED", "STOMP_DESTINATION", "STOMP_URL"].sort(),
    );
  });
});
