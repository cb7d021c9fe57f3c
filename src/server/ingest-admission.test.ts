import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { get, post, startTestServer, type TestServer } from "./server-fixture.js";
import { connect } from "./ws-test-client.js";

const record = JSON.stringify({ deviceId: "d1", temp: 1 });

describe("ingest admission: backpressure", () => {
  let t: TestServer;
  let lag = 0;
  before(async () => {
    t = await startTestServer({ lag: () => lag, maxLag: 100 });
  });
  after(() => t.close());

  it("answers 429 backpressure with Retry-After while lag is over maxLag, appending nothing, over HTTP and WebSocket", async () => {
    const events = `${t.url}/v1/streams/readings/events`;
    assert.equal((await post(events, record)).status, 200);
    lag = 101;
    const end = t.store.log.endOffset("readings");
    const refused = await post(events, record);
    assert.equal(refused.status, 429);
    assert.equal(refused.headers.get("retry-after"), "1");
    assert.equal(refused.body.error.code, "backpressure");
    assert.deepEqual(refused.body.error.details, { lag: 101, maxLag: 100 });
    const ws = await connect(`${t.url.replace("http", "ws")}/v1/streams/readings/ws`);
    const ack = await ws.send(record);
    assert.deepEqual([ack.seq, ack.error.code, ack.retryAfter], [1, "backpressure", 1]);
    assert.equal(t.store.log.endOffset("readings"), end);
    lag = 100;
    assert.equal((await ws.send(record)).accepted, 1);
    assert.equal((await post(events, record)).status, 200);
    ws.socket.close();
    const metrics = await get(`${t.url}/metrics`);
    assert.match(metrics.body, /sluice_ingest_throttled_total\{reason="backpressure"\} 2/);
  });
});

describe("ingest admission: requests per second", () => {
  const keyA = "ingest-key-a-0123456789";
  const keyB = "ingest-key-b-0123456789";
  let t: TestServer;
  before(async () => {
    t = await startTestServer({
      requestsPerSecond: 2,
      apiKeys: [
        { key: keyA, scopes: ["ingest:*"] },
        { key: keyB, scopes: ["ingest:*", "admin"] },
      ],
    });
  });
  after(() => t.close());

  it("answers 429 rate_limited per API key, with Retry-After, until the bucket refills", async () => {
    const events = `${t.url}/v1/streams/readings/events`;
    const as = (key: string) => ({ "x-api-key": key });
    assert.equal((await post(events, record, "application/json", as(keyA))).status, 200);
    assert.equal((await post(events, record, "application/json", as(keyA))).status, 200);
    const refused = await post(events, record, "application/json", as(keyA));
    assert.equal(refused.status, 429);
    assert.equal(refused.body.error.code, "rate_limited");
    assert.equal(refused.headers.get("retry-after"), "1");
    // Another key has its own bucket.
    assert.equal((await post(events, record, "application/json", as(keyB))).status, 200);
    // The WebSocket messages of key A draw on the same bucket: an error ack, the socket stays open.
    const ws = await connect(`${t.url.replace("http", "ws")}/v1/streams/readings/ws?key=${keyA}`);
    assert.equal((await ws.send(record)).error.code, "rate_limited");
    t.clock.advance(500); // one token back
    assert.equal((await ws.send(record)).accepted, 1);
    assert.equal((await ws.send(record)).error.code, "rate_limited");
    t.clock.advance(1000);
    assert.equal((await post(events, record, "application/json", as(keyA))).status, 200);
    ws.socket.close();
    const metrics = await get(`${t.url}/metrics`, as(keyB));
    assert.match(metrics.body, /sluice_ingest_throttled_total\{reason="rate_limited"\} 3/);
  });
});
