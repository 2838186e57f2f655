/**
 * Attendance events as the upstream platform publishes them (every value a string), with
 * realistic Brazilian names, valid CPFs and `dd/mm/yyyy HH:MM:SS` dates, plus deliberately
 * broken ones (a share set by INVALID_RATIO) of the kinds a consumer must dead-letter.
 * Each event carries a `protocol` (the attendance protocol number) unique within a seed.
 */
import { between, pick, type Random, seededRandom } from "./random.js";

const FIRST = [
  "Ana",
  "Maria",
  "João",
  "José",
  "Francisca",
  "Antônio",
  "Carlos",
  "Paulo",
  "Adriana",
  "Juliana",
  "Lucas",
  "Luiz",
  "Márcia",
  "Fernanda",
  "Rafael",
  "Gabriela",
  "Pedro",
  "Aline",
  "Bruno",
  "Camila",
  "Thiago",
  "Letícia",
  "Rodrigo",
  "Patrícia",
  "Mateus",
  "Beatriz",
];
const LAST = [
  "Silva",
  "Santos",
  "Oliveira",
  "Souza",
  "Rodrigues",
  "Ferreira",
  "Alves",
  "Pereira",
  "Lima",
  "Gomes",
  "Costa",
  "Ribeiro",
  "Martins",
  "Carvalho",
  "Almeida",
  "Lopes",
  "Soares",
  "Fernandes",
  "Vieira",
  "Barbosa",
  "Araújo",
  "Nascimento",
  "Conceição",
];
const CHANNELS = ["whatsapp", "telefone", "chat", "email", "presencial"];
const SERVICES = [
  "agendar consulta",
  "informacoes",
  "resultado de exame",
  "cancelar consulta",
  "segunda via de boleto",
  "teleconsulta",
];
const TESTS = ["negativo", "positivo", "nao realizado"];

export const INVALID_KINDS = ["broken_json", "bad_cpf", "bad_date", "bad_age", "missing_name"] as const;
export type InvalidKind = (typeof INVALID_KINDS)[number];

export interface ProducedEvent {
  /** The message body. */
  body: string;
  protocol: string;
  /** Set for a deliberately broken event. */
  invalid?: InvalidKind;
}

/** A valid CPF, formatted: nine random digits and their two check digits. */
export function randomCpf(random: Random): string {
  const nine = Array.from({ length: 9 }, () => between(random, 0, 9)).join("");
  const digits = [...nine].map(Number);
  const check = (weightStart: number, ds: number[]) => {
    const rest = (ds.reduce((acc, d, i) => acc + d * (weightStart - i), 0) * 10) % 11;
    return rest === 10 ? 0 : rest;
  };
  const first = check(10, digits);
  const all = `${nine}${first}${check(11, [...digits, first])}`;
  return `${all.slice(0, 3)}.${all.slice(3, 6)}.${all.slice(6, 9)}-${all.slice(9)}`;
}

const two = (n: number) => String(n).padStart(2, "0");

function randomDate(random: Random): string {
  const d = new Date(Date.UTC(2021, 0, 1) + Math.floor(random() * 4 * 365 * 86_400_000));
  return `${two(d.getUTCDate())}/${two(d.getUTCMonth() + 1)}/${d.getUTCFullYear()} ${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())}`;
}

const yesNo = (random: Random) => (random() < 0.3 ? "sim" : "nao");

export function validEvent(random: Random, protocol: string): Record<string, unknown> {
  const services: Record<string, string> = {};
  for (let k = 1; k <= between(random, 1, 3); k++) services[String(k)] = pick(random, SERVICES);
  return {
    protocol,
    name: `${pick(random, FIRST)} ${pick(random, LAST)} ${pick(random, LAST)}`,
    document: randomCpf(random),
    age: String(between(random, 18, 90)),
    sex: random() < 0.5 ? "feminino" : "masculino",
    channel: pick(random, CHANNELS),
    services,
    date: randomDate(random),
    headache: yesNo(random),
    otherSymptoms: yesNo(random),
    covidContact: yesNo(random),
    covidTest: pick(random, TESTS),
    serviceScore: String(between(random, 0, 10)),
    solved: yesNo(random),
  };
}

function breakEvent(event: Record<string, unknown>, kind: InvalidKind): string {
  switch (kind) {
    case "broken_json":
      return JSON.stringify(event).slice(0, -7);
    case "bad_cpf": {
      const doc = String(event.document);
      const last = (Number(doc.at(-1)) + 1) % 10;
      return JSON.stringify({ ...event, document: `${doc.slice(0, -1)}${last}` });
    }
    case "bad_date":
      return JSON.stringify({ ...event, date: "31/02/2021 25:61:00" });
    case "bad_age":
      return JSON.stringify({ ...event, age: "quarenta" });
    case "missing_name": {
      const { name: _name, ...rest } = event;
      return JSON.stringify(rest);
    }
  }
}

/** `count` events for `seed`; about `invalidRatio` of them broken (evenly spread, kinds rotating). */
export function* generateEvents(count: number, seed: number, invalidRatio: number): Generator<ProducedEvent> {
  const random = seededRandom(seed);
  const every = invalidRatio > 0 ? 1 / invalidRatio : Number.POSITIVE_INFINITY;
  let nextInvalid = every / 2;
  let invalidCount = 0;
  for (let i = 0; i < count; i++) {
    const protocol = `${seed}-${String(i).padStart(7, "0")}`;
    const event = validEvent(random, protocol);
    if (i + 1 >= nextInvalid) {
      nextInvalid += every;
      const kind = INVALID_KINDS[invalidCount++ % INVALID_KINDS.length]!;
      yield { body: breakEvent(event, kind), protocol, invalid: kind };
    } else {
      yield { body: JSON.stringify(event), protocol };
    }
  }
}
