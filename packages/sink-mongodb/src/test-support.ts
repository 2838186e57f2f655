/**
 * Where the sink's tests run: a real server when MONGODB_URL is set (CI's `mongo:7` service),
 * else the in-process wire-protocol stand-in. Every call gets a fresh database.
 */
import { randomUUID } from "node:crypto";
import { type MongoSimulator, startMongoSimulator } from "@sluice/mongodb-simulator";

export interface TestServer {
  /** A connection string to a fresh, uniquely named database. */
  url(): string;
  kind: "real" | "simulator";
  /** The stand-in, when no real server is configured (for command assertions and failures). */
  simulator?: MongoSimulator;
  close(): Promise<void>;
}

export async function testServer(): Promise<TestServer> {
  const real = process.env.MONGODB_URL;
  const name = () => `sluice_test_${randomUUID().slice(0, 8)}`;
  if (real) {
    const [base, query] = real.split("?");
    const root = base!.replace(/\/[^/]*$/, "").replace(/\/$/, "");
    const withHost = /^mongodb(\+srv)?:\/\/[^/]+$/.test(base!) ? base! : root;
    return {
      kind: "real",
      url: () => `${withHost}/${name()}${query ? `?${query}` : ""}`,
      close: async () => {},
    };
  }
  const sim: MongoSimulator = await startMongoSimulator();
  return { kind: "simulator", simulator: sim, url: () => sim.url(name()), close: () => sim.close() };
}
