import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { get, post, startTestServer, type TestServer } from "./server-fixture.js";

describe("GET /v1/dlq", () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer();
    const bad = Array.from({ length: 5 }, (_, i) => ({ deviceId: `d${i}`, temp: "x" }));
    await post(`${t.url}/v1/streams/readings/events`, JSON.stringify(bad));
    t.store.deadLetters().writeNow({
      stepId: "window",
      reason: "late",
      record: { n: 1 },
      time: 5,
      at: 6,
      origin: { stream: "other" },
    });
  });
  after(() => t.close());

  it("filters by stream and reason, and pages with afterId", async () => {
    const page1 = await get(`${t.url}/v1/dlq?stream=readings&reason=invalid&limit=3`);
    assert.equal(page1.status, 200);
    assert.equal(page1.body.entries.length, 3);
    assert.deepEqual(page1.body.entries[0].record, { deviceId: "d0", temp: "x", unit: "C" });
    assert.equal(page1.body.entries[0].error, "record 0: /temp: must be number");
    assert.deepEqual(page1.body.entries[0].origin, { stream: "readings" });
    const page2 = await get(`${t.url}/v1/dlq?stream=readings&limit=3&afterId=${page1.body.nextAfterId}`);
    assert.equal(page2.body.entries.length, 2);
    assert.equal(page2.body.nextAfterId, null);
    const late = await get(`${t.url}/v1/dlq?reason=late`);
    assert.deepEqual(
      late.body.entries.map((e: { stepId: string }) => e.stepId),
      ["window"],
    );
  });

  it("answers 400 for an unknown reason or a bad limit", async () => {
    assert.equal((await get(`${t.url}/v1/dlq?reason=bored`)).status, 400);
    assert.equal((await get(`${t.url}/v1/dlq?limit=0`)).status, 400);
  });
});
