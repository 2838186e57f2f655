import { runSinkConformance } from "@sluice/core/conformance";
import { afterAll, beforeAll } from "vitest";
import { type MongoSink, mongoSink } from "./index.js";
import { type TestServer, testServer } from "./test-support.js";

let server: TestServer;
beforeAll(async () => {
  server = await testServer();
});
afterAll(() => server.close());

for (const indexes of [false, true]) {
  runSinkConformance({
    name: `mongoSink${indexes ? " (with declared indexes)" : ""} on ${process.env.MONGODB_URL ? "MongoDB" : "the wire-protocol stand-in"}`,
    async setup() {
      const sink: MongoSink = mongoSink({
        url: server.url(),
        ...(indexes ? { indexes: { contacts: [{ key: { updated_at: -1 }, name: "by_updated" }] } } : {}),
      });
      return {
        sink,
        async read(stream) {
          const db = await sink.database();
          const docs = await db.collection(stream.name).find({}).toArray();
          return docs.map(({ _id, ...rest }) => rest);
        },
        async cleanup() {
          await (await sink.database()).dropDatabase();
          await sink.close();
        },
      };
    },
  });
}
