import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { get, post, startTestServer, type TestServer } from "./server-fixture.js";
import { defineStream } from "./stream-definition.js";

describe("a stream's declared retention and partitions", () => {
  let t: TestServer;
  before(async () => {
    const clicks = defineStream({
      name: "clicks",
      schema: { type: "object", properties: { user: { type: "string" } }, required: ["user"] },
      key: "user",
      partitions: 4,
      retention: { maxRecords: 3, maxAge: "1h" },
    });
    t = await startTestServer({ streams: [clicks], retentionInterval: "1m" });
  });
  after(() => t.close());

  it("keeps only what the retention allows, applied on the server's schedule, with offsets unchanged", async () => {
    const records = Array.from({ length: 8 }, (_, i) => JSON.stringify({ user: `u${i}` })).join("\n");
    const ack = await post(`${t.url}/v1/streams/clicks/events`, records, "application/x-ndjson");
    assert.deepEqual(ack.body.offsets, { first: 0, last: 7 });
    const before = await get(`${t.url}/v1/streams/clicks`);
    assert.equal(before.body.records, 8, "nothing is deleted before the next pass");
    t.clock.advance(60_000);
    const after = await get(`${t.url}/v1/streams/clicks`);
    assert.equal(after.body.startOffset, 5);
    assert.equal(after.body.endOffset, 8);
    assert.equal(after.body.records, 3);
    const next = await post(`${t.url}/v1/streams/clicks/events`, JSON.stringify({ user: "late" }));
    assert.deepEqual(next.body.offsets, { first: 8, last: 8 }, "offsets are never reused");
  });

  it("lists the partitions and the retention as declared", async () => {
    const reply = await get(`${t.url}/v1/streams/clicks`);
    assert.equal(reply.body.partitions, 4);
    assert.deepEqual(reply.body.retention, { maxRecords: 3, maxAge: "1h" });
  });
});
