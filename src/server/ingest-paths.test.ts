import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { SeededRandom } from "../nexmark/seeded-random.js";
import { post, startTestServer, type TestServer } from "./server-fixture.js";
import { connect } from "./ws-test-client.js";

/** Values each field of a generated reading may take: valid, cleansable and invalid ones (undefined: absent). */
const VALUES: Record<string, unknown[]> = {
  deviceId: ["d1", "d2", "d1", "dé-4", " d3 ", "", 7, "\u00a0d5", "d6\u3000", "😀"],
  temp: [21.5, -3, 1000, 21.5, 0.1, "22.5", -200, "hot", 1e300],
  ts: [1714557600000, 1714557600001.5, 1714557600000, "2024-05-01T10:00:00Z", "soon", null, undefined],
  unit: ["C", "F", "K", "°C", undefined],
  tags: [{}, { site: "a" }, [], undefined, undefined],
  extra: [undefined, undefined, undefined, "x"],
};

function randomReading(random: SeededRandom): Record<string, unknown> {
  const record: Record<string, unknown> = {};
  for (const [field, values] of Object.entries(VALUES)) {
    const value = values[random.nextInt(values.length)];
    if (value !== undefined) record[field] = value;
  }
  return record;
}

/** What a user can see of a server's ingest: the log's records and event times, and the dead letters. */
function stored(t: TestServer) {
  const read = t.store.log.read("readings", 0, t.store.log.endOffset("readings"));
  const dead = t.store
    .deadLetters()
    .list({ stream: "readings", limit: 10_000 })
    .map((d) => [d.error, d.record]);
  return { records: read.records, eventTimes: read.eventTimes, dead };
}

describe("ingest paths agree", () => {
  let array: TestServer;
  let inWorker: TestServer;
  let onEventLoop: TestServer;
  let ws: TestServer;
  before(async () => {
    [array, inWorker, onEventLoop, ws] = await Promise.all([
      startTestServer(),
      startTestServer({ ndjsonWorker: true }),
      startTestServer(),
      startTestServer(),
    ]);
  });
  after(async () => {
    await Promise.all([array.close(), inWorker.close(), onEventLoop.close(), ws.close()]);
  });

  it("NDJSON over HTTP (in the worker or not) and WebSocket answer, store and dead-letter what a JSON array does", async () => {
    // Non-ASCII text, \r\n, blank lines and unended last lines all reach the line check's byte paths.
    const random = new SeededRandom(3);
    const socket = await connect(`${ws.url.replace("http", "ws")}/v1/streams/readings/ws`);
    let accepted = 0;
    for (let batch = 0; batch < 60; batch++) {
      const records = Array.from({ length: 1 + random.nextInt(30) }, () => randomReading(random));
      // Line ends as clients send them: \n or \r\n, now and then a blank line, the last one not always ended.
      const ending = random.nextInt(3) === 0 ? "\r\n" : "\n";
      const texts = records.map((r) => JSON.stringify(r));
      if (random.nextInt(4) === 0) texts.splice(random.nextInt(texts.length), 0, "");
      const lines = texts.join(ending) + (random.nextInt(3) === 0 ? "" : ending);
      const a = await post(`${array.url}/v1/streams/readings/events`, JSON.stringify(records));
      const n = await post(`${inWorker.url}/v1/streams/readings/events`, lines, "application/x-ndjson");
      const e = await post(`${onEventLoop.url}/v1/streams/readings/events`, lines, "application/x-ndjson");
      const { seq: _seq, ...ack } = await socket.send(lines);
      assert.deepEqual([n.status, n.body], [a.status, a.body], `batch ${batch} over NDJSON`);
      assert.deepEqual([e.status, e.body], [a.status, a.body], `batch ${batch} over NDJSON, no worker`);
      assert.deepEqual(ack, a.body, `batch ${batch} over WebSocket`);
      accepted += a.body.accepted;
    }
    socket.socket.close();
    assert.ok(accepted > 100, `only ${accepted} records accepted: too few to compare`);
    const byArray = stored(array);
    assert.deepEqual(stored(inWorker), byArray);
    assert.deepEqual(stored(onEventLoop), byArray);
    assert.deepEqual(stored(ws), byArray);
  });
});
