import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { WebSocket } from "ws";
import { startTestServer, type TestServer } from "./server-fixture.js";
import { type Ack, connect } from "./ws-test-client.js";

function wsUrl(t: TestServer, stream = "readings", query = ""): string {
  return `${t.url.replace("http://", "ws://")}/v1/streams/${stream}/ws${query}`;
}

describe("WebSocket ingest: GET /v1/streams/:stream/ws", () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer();
  });
  after(() => t.close());

  it("acks each message with offsets once its records are in the log, rejecting invalid ones with reasons", async () => {
    const ws = await connect(wsUrl(t));
    const start = t.store.log.endOffset("readings");
    const one = await ws.send(JSON.stringify({ deviceId: " d1 ", temp: "21.5", ts: 1000 }));
    assert.deepEqual(one, {
      seq: 1,
      accepted: 1,
      rejected: 0,
      offsets: { first: start, last: start },
      errors: [],
    });
    const many = await ws.send(
      JSON.stringify([
        { deviceId: "d2", temp: 2 },
        { deviceId: "d3", temp: "hot" },
      ]),
    );
    assert.deepEqual(many, {
      seq: 2,
      accepted: 1,
      rejected: 1,
      offsets: { first: start + 1, last: start + 1 },
      errors: [{ index: 1, reason: "/temp: must be number" }],
    });
    const ndjson = await ws.send('{"deviceId":"d4","temp":4}\n{"deviceId":"d5","temp":5}\n');
    assert.deepEqual(
      [ndjson.seq, ndjson.accepted, ndjson.offsets],
      [3, 2, { first: start + 2, last: start + 3 }],
    );
    const read = t.store.log.read("readings", start, 10);
    assert.deepEqual(
      read.records.map((r) => (r as { deviceId: string }).deviceId),
      ["d1", "d2", "d4", "d5"],
    );
    assert.deepEqual(read.records[0], { deviceId: "d1", temp: 21.5, ts: 1000, unit: "C" });
    const dead = t.store.deadLetters().list({ stream: "readings", order: "desc", limit: 1 });
    assert.equal(dead[0]!.error, "record 1: /temp: must be number");
    ws.socket.close();
  });

  it("answers bad JSON with an error ack and keeps the socket open; echoes an envelope's id", async () => {
    const ws = await connect(wsUrl(t));
    const bad = await ws.send("{not json");
    assert.equal(bad.seq, 1);
    assert.equal(bad.error.code, "malformed_json");
    const badLine = await ws.send('{"deviceId":"a","temp":1}\n{oops');
    assert.equal(badLine.error.code, "malformed_ndjson");
    assert.match(badLine.error.message, /^line 2: /);
    const allBad = await ws.send(JSON.stringify({ temp: 1 }));
    assert.deepEqual([allBad.accepted, allBad.rejected, allBad.error.code], [0, 1, "invalid_records"]);
    const enveloped = await ws.send(JSON.stringify({ id: "batch-7", records: [{ deviceId: "e", temp: 1 }] }));
    assert.deepEqual([enveloped.seq, enveloped.accepted], ["batch-7", 1]);
    assert.equal(ws.socket.readyState, WebSocket.OPEN);
    ws.socket.close();
  });

  it("refuses the upgrade for an unknown stream with 404", async () => {
    await assert.rejects(connect(wsUrl(t, "nope")), { status: 404 });
  });
});

describe("WebSocket ingest with API keys", () => {
  const ingestKey = "ingest-key-0123456789";
  const readKey = "read-key-0123456789ab";
  let t: TestServer;
  before(async () => {
    t = await startTestServer({
      apiKeys: [
        { key: ingestKey, scopes: ["ingest:readings"] },
        { key: readKey, scopes: ["read:*"] },
      ],
    });
  });
  after(() => t.close());

  it("refuses the upgrade without a key (401) or with an under-scoped one (403)", async () => {
    await assert.rejects(
      connect(wsUrl(t)),
      (e: Ack) => e.status === 401 && e.body.error.code === "unauthorized",
    );
    await assert.rejects(connect(wsUrl(t, "readings", "?key=wrong-key-0123456789")), { status: 401 });
    await assert.rejects(
      connect(wsUrl(t, "readings", `?key=${readKey}`)),
      (e: Ack) => e.status === 403 && e.body.error.details.scope === "ingest:readings",
    );
  });

  it("accepts the key as ?key= or as a header", async () => {
    const byQuery = await connect(wsUrl(t, "readings", `?key=${ingestKey}`));
    assert.equal((await byQuery.send(JSON.stringify({ deviceId: "q", temp: 1 }))).accepted, 1);
    byQuery.socket.close();
    const byHeader = await connect(wsUrl(t), { authorization: `Bearer ${ingestKey}` });
    assert.equal((await byHeader.send(JSON.stringify({ deviceId: "h", temp: 1 }))).accepted, 1);
    byHeader.socket.close();
  });
});
