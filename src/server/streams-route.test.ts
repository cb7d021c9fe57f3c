import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { get, post, startTestServer, type TestServer } from "./server-fixture.js";
import { defineStream } from "./stream-definition.js";

describe("GET /v1/streams", () => {
  let t: TestServer;
  before(async () => {
    const clicks = defineStream({ name: "clicks", schema: { type: "object" } });
    const { readingsStream } = await import("./server-fixture.js");
    t = await startTestServer({ streams: [readingsStream(), clicks] });
    await post(
      `${t.url}/v1/streams/readings/events`,
      JSON.stringify([
        { deviceId: "a", temp: 1 },
        { deviceId: "b", temp: 2 },
        { deviceId: "c", temp: "hot" },
      ]),
    );
  });
  after(() => t.close());

  it("lists declared streams with schema, fields and log offsets", async () => {
    const reply = await get(`${t.url}/v1/streams`);
    assert.equal(reply.status, 200);
    const byName = new Map(reply.body.streams.map((s: { name: string }) => [s.name, s]));
    assert.deepEqual(byName.get("clicks"), {
      name: "clicks",
      schema: { type: "object" },
      key: null,
      eventTime: null,
      partitions: 1,
      retention: null,
      startOffset: 0,
      endOffset: 0,
      records: 0,
      bytes: 0,
      ratePerSecond: 0,
      dlq: 0,
    });
    const readings = byName.get("readings") as Record<string, unknown>;
    assert.equal(readings.key, "deviceId");
    assert.equal(readings.eventTime, "ts");
    assert.equal(readings.records, 2);
    assert.equal(readings.endOffset, 2);
    assert.equal((readings.schema as { type: string }).type, "object");
    assert.equal(readings.dlq, 1, "the rejected record is counted against its stream");
    assert.equal(typeof readings.ratePerSecond, "number");
  });

  it("shows one stream, and 404 for an unknown one", async () => {
    const one = await get(`${t.url}/v1/streams/readings`);
    assert.equal(one.status, 200);
    assert.equal(one.body.records, 2);
    const missing = await get(`${t.url}/v1/streams/nope`);
    assert.equal(missing.status, 404);
    assert.equal(missing.body.error.code, "unknown_stream");
  });
});
