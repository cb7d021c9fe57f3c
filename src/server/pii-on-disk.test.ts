/**
 * The PII promise, checked on the bytes: after a real server ingested valid and invalid records over HTTP
 * (JSON, NDJSON, Idempotency-Key) and WebSocket, replayed dead letters and a pipeline wrote the stream into a
 * view, no file under the data directory (the databases and their -wal/-shm files) holds a clear value of a
 * field whose policy is hash, encrypt, drop or mask; nor does any reply or log line.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { startDurable } from "../checkpoint/durable-run.js";
import { storedStream } from "../connectors/stored-stream.js";
import { Pipeline } from "../dataflow/pipeline.js";
import { view } from "../sinks/view-sink.js";
import { EmbeddedStore } from "../store/index.js";
import { decryptField, hashField } from "./pii-key.js";
import { createServer, type SluiceServer } from "./server.js";
import { get, post } from "./server-fixture.js";
import { defineStream } from "./stream-definition.js";
import { connect } from "./ws-test-client.js";

const KEY = "8f3a1c5e7b9d2f4a6c8e0b1d3f5a7c9e2b4d6f8a0c2e4b6d8f0a1c3e5b7d9f2a";

interface Payment {
  id: number;
  amount: number | string;
  email?: string;
  ssn?: string;
  name?: string;
  card?: { number: string };
}

const payments = defineStream({
  name: "payments",
  schema: {
    type: "object",
    properties: {
      id: { type: "integer" },
      amount: { type: "number" },
      email: { type: "string", format: "email" },
      ssn: { type: "string", pattern: "^[0-9]{3}-[0-9]{2}-[0-9]{4}$" },
      name: { type: "string" },
      card: {
        type: "object",
        properties: { number: { type: "string", pattern: "^[0-9]{16}$" } },
        required: ["number"],
      },
    },
    required: ["id", "amount", "card"],
  },
  cleanse: { trim: true },
  pii: { "card.number": "hash", email: "mask", ssn: "drop", name: "encrypt" },
});

/** Payment `i` with values unique to it, so a clear value cannot be found on disk by chance. */
function payment(i: number, amount: number | string = 10 + i): Payment {
  return {
    id: i,
    amount,
    email: `holder.${i}.q7@example.org`,
    ssn: `987-65-${String(4300 + i).padStart(4, "0")}`,
    name: `Quentin Zyxwv ${i}`,
    card: { number: `49175531${String(10_000_000 + i * 7919).slice(-8)}` },
  };
}

/** Every clear value a policy protects, of the records numbered `from` to `to`. */
function clearValues(from: number, to: number): string[] {
  const values: string[] = [];
  for (let i = from; i <= to; i++) {
    const p = payment(i);
    values.push(p.email!, p.ssn!, p.name!, p.card!.number);
  }
  return values;
}

/** The files under a directory, recursively, as raw bytes. */
function filesUnder(dir: string): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) {
      const path = join(entry.parentPath, entry.name);
      files.set(path, readFileSync(path));
    }
  }
  return files;
}

function findClear(files: Map<string, Buffer>, values: readonly string[]): string[] {
  const found: string[] = [];
  for (const [path, bytes] of files) {
    for (const value of values)
      if (bytes.includes(Buffer.from(value, "utf8"))) found.push(`${value} in ${path}`);
  }
  return found;
}

describe("PII on disk", () => {
  let dir: string;
  let store: EmbeddedStore;
  let server: SluiceServer;
  let url: string;
  const replies: string[] = [];
  const logLines: string[] = [];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "sluice-pii-disk-"));
    store = new EmbeddedStore(dir);
    server = createServer({
      store,
      streams: [payments],
      piiKey: KEY,
      log: { level: "debug", destination: { write: (line: string) => logLines.push(line) } },
    });
    ({ url } = await server.listen());
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("ingests valid and invalid records over HTTP and WebSocket, with no clear value in any reply", async () => {
    const events = `${url}/v1/streams/payments/events`;
    // JSON: valid 1-5, invalid 6 (amount) and 7 (card number pattern: validation saw the original value).
    const json = await post(
      events,
      JSON.stringify([
        ...[1, 2, 3, 4, 5].map((i) => payment(i)),
        payment(6, "lots"),
        { ...payment(7), card: { number: `${payment(7).card!.number}x` } },
      ]),
    );
    assert.equal(json.status, 200);
    assert.equal(json.body.accepted, 5);
    assert.deepEqual(
      json.body.errors.map((e: { index: number }) => e.index),
      [5, 6],
    );
    // NDJSON with an Idempotency-Key (its reply is stored in state.db), sent twice.
    const ndjson = [8, 9].map((i) => JSON.stringify(payment(i))).join("\n");
    const nd = await post(
      `${events}`,
      `${ndjson}\n${JSON.stringify(payment(10, "x"))}\n`,
      "application/x-ndjson",
      {
        "idempotency-key": "batch-1",
      },
    );
    const again = await post(`${events}`, ndjson, "application/x-ndjson", { "idempotency-key": "batch-1" });
    assert.equal(nd.body.accepted, 2);
    assert.deepEqual(again.body, nd.body);
    // Every record rejected: 422.
    const bad = await post(events, JSON.stringify(payment(11, "nope")));
    assert.equal(bad.status, 422);
    // Misshapen records: a scalar where the policy path expects an object (rejected), a bare string (rejected),
    // a literal dotted key the schema lets through (accepted). None may reach a file or a reply in clear.
    const p17 = payment(17);
    const misshapen = await post(
      events,
      [
        JSON.stringify({
          id: 17,
          amount: 1,
          card: p17.card!.number,
          email: p17.email,
          ssn: p17.ssn,
          name: p17.name,
        }),
        JSON.stringify(payment(18).ssn),
        JSON.stringify({ ...payment(19), "card.number": payment(19).card!.number }),
      ].join("\n"),
      "application/x-ndjson",
    );
    assert.deepEqual([misshapen.body.accepted, misshapen.body.rejected], [1, 2]);
    // Malformed JSON quoting a clear value: the message must not echo it.
    const malformed = await post(events, payment(12).name!);
    assert.equal(malformed.status, 400);
    assert.equal(malformed.body.error.code, "malformed_json");
    // WebSocket: valid 13-14, invalid 15, and a malformed message.
    const ws = await connect(`${url.replace("http", "ws")}/v1/streams/payments/ws`);
    const ack = await ws.send(JSON.stringify([payment(13), payment(14), payment(15, "many")]));
    assert.equal(ack.accepted, 2);
    assert.equal(ack.rejected, 1);
    const wsBad = await ws.send(`${payment(16).ssn} ${payment(16).card!.number}`);
    assert.equal(wsBad.error.code, "malformed_json");
    ws.socket.close();
    // Replay the dead letters: all fail again (still invalid), nothing is dead-lettered twice.
    const replay = await post(`${url}/v1/dlq/replay`, JSON.stringify({ stream: "payments" }));
    assert.equal(replay.status, 200);
    assert.equal(replay.body.accepted, 0);
    assert.equal(replay.body.rejected, 7);

    for (const reply of [json, nd, again, bad, misshapen, malformed, replay])
      replies.push(JSON.stringify(reply.body));
    replies.push(JSON.stringify(ack), JSON.stringify(wsBad));
    const dlq = await get(`${url}/v1/dlq?stream=payments`);
    assert.equal(dlq.body.entries.length, 7);
    replies.push(JSON.stringify(dlq.body));
    assert.deepEqual(
      findClear(new Map([["replies", Buffer.from(replies.join("\n"))]]), clearValues(1, 19)),
      [],
    );
    // The stored values are the protected ones.
    assert.equal(dlq.body.entries[0].record.card.number, hashField(payment(6).card!.number, KEY));
    assert.equal(decryptField(dlq.body.entries[0].record.name, KEY), payment(6).name);
    const records = dlq.body.entries.map((e: { record: unknown }) => e.record);
    assert.ok(records.some((r: { card?: unknown }) => r.card === hashField(p17.card!.number, KEY)));
    assert.ok(records.some((r: { withheld?: string }) => typeof r.withheld === "string"));
  });

  it("a pipeline writes the protected records into a view", async () => {
    const p = new Pipeline("payments-view");
    p.source("payments", storedStream<Payment>("payments")).to(view("payments_latest"));
    const { job } = startDurable(p, { store, logStopAtEnd: true, checkpointInterval: 10 });
    await job.done;
    const rows = store.views.list("payments_latest", { limit: 100 });
    assert.equal(rows.length, 10);
    const first = rows.find((r) => (r.value as Payment).id === 1)!.value as Payment;
    assert.deepEqual(first.card, { number: hashField(payment(1).card!.number, KEY) });
    assert.equal(first.email, "****.org");
    assert.equal(first.ssn, undefined);
  });

  it("no file under the data directory (-wal and -shm included) and no log line holds a clear value", async () => {
    await server.close();
    const open = filesUnder(dir);
    assert.ok(
      [...open.keys()].some((path) => path.endsWith("-wal")),
      "the WAL files are scanned while the store is open",
    );
    const values = clearValues(1, 19);
    assert.deepEqual(findClear(open, values), []);
    // A positive control: the same scan finds the protected forms.
    assert.notDeepEqual(findClear(open, [hashField(payment(1).card!.number, KEY)]), []);
    store.close();
    assert.deepEqual(findClear(filesUnder(dir), values), []);
    assert.ok(logLines.length > 0);
    assert.deepEqual(findClear(new Map([["log", Buffer.from(logLines.join(""))]]), values), []);
  });
});
