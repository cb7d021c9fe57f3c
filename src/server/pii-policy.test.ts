import assert from "node:assert/strict";
import { createHmac, hkdfSync } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { after, before, describe, it } from "node:test";
import { pathToFileURL } from "node:url";
import { runRun } from "../cli/run-command.js";
import { EmbeddedStore } from "../store/index.js";
import { decryptField, encryptField, hashField, loadPiiKey, PiiKey } from "./pii-key.js";
import { maskValue, RecordProtector } from "./pii-policy.js";
import { createServer } from "./server.js";
import { get, post, startTestServer, type TestServer } from "./server-fixture.js";
import { defineStream } from "./stream-definition.js";

const KEY = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

function paymentsStream() {
  return defineStream({
    name: "payments",
    schema: {
      type: "object",
      properties: {
        id: { type: "integer" },
        email: { type: "string", format: "email" },
        ssn: { type: "string" },
        name: { type: "string" },
        card: { type: "object", properties: { number: { type: "string", pattern: "^[0-9]{16}$" } } },
        amount: { type: "number" },
      },
      required: ["id", "amount"],
    },
    pii: { "card.number": "hash", email: "mask", ssn: "drop", name: "encrypt" },
  });
}

describe("PII field functions", () => {
  it("mask keeps the last 4 characters of values of at least 8, else nothing, and is idempotent", () => {
    assert.equal(maskValue("4111111111111234"), "****1234");
    assert.equal(maskValue("alice@example.org"), "****.org");
    assert.equal(maskValue("1234567"), "****");
    assert.equal(maskValue(12345678), "****5678");
    assert.equal(maskValue({ a: 1 }), "****");
    assert.equal(maskValue(maskValue("4111111111111234")), "****1234");
  });

  it("hash is HMAC-SHA256 (hex) under the HKDF-derived key: deterministic and keyed", () => {
    const hmacKey = Buffer.from(
      hkdfSync("sha256", Buffer.from(KEY, "hex"), "sluice-pii", "hmac-sha256 v1", 32),
    );
    const expected = createHmac("sha256", hmacKey).update("4111111111111234").digest("hex");
    assert.equal(hashField("4111111111111234", KEY), expected);
    assert.equal(hashField("4111111111111234", PiiKey.from(KEY)), expected);
    assert.notEqual(hashField("4111111111111234", "ff".repeat(32)), expected);
    assert.equal(hashField(1234, KEY), hashField("1234", KEY));
  });

  it("encrypt gives a fresh enc:v1 string per value that decryptField turns back, and only with the key", () => {
    const a = encryptField("Zelda Public", KEY);
    const b = encryptField("Zelda Public", KEY);
    assert.match(a, /^enc:v1:[A-Za-z0-9_-]{16}:[A-Za-z0-9_-]{22}:[A-Za-z0-9_-]+$/);
    assert.notEqual(a, b, "a random IV per value");
    assert.equal(decryptField(a, KEY), "Zelda Public");
    assert.deepEqual(decryptField(encryptField({ n: [1, 2] }, KEY), KEY), { n: [1, 2] });
    assert.throws(() => decryptField(a, "ff".repeat(32)), /wrong key, or the text was altered/);
    const tampered = `${a.slice(0, -2)}${a.endsWith("A") ? "B" : "A"}A`;
    assert.throws(() => decryptField(tampered, KEY));
    assert.throws(() => decryptField("hello", KEY), /not an encrypted field/);
  });

  it("keys come from hex or base64 text, a file or SLUICE_PII_KEY, and bad ones are refused clearly", () => {
    const base64 = Buffer.from(KEY, "hex").toString("base64");
    assert.equal(hashField("x", base64), hashField("x", KEY));
    assert.throws(() => PiiKey.from("too-short"), /must be 32 bytes written as 64 hex digits or base64/);
    assert.equal(loadPiiKey({ env: {} }), undefined);
    const fromEnv = loadPiiKey({ env: { SLUICE_PII_KEY: KEY } })!;
    assert.equal(hashField("x", fromEnv), hashField("x", KEY));
    const dir = mkdtempSync(join(tmpdir(), "sluice-pii-key-"));
    try {
      writeFileSync(join(dir, "pii.key"), `${KEY}\n`);
      const fromFile = loadPiiKey({ piiKeyFile: join(dir, "pii.key"), env: {} })!;
      assert.equal(hashField("x", fromFile), hashField("x", KEY));
      assert.throws(
        () => loadPiiKey({ piiKeyFile: join(dir, "missing.key") }),
        /cannot read the PII key file/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("protects nested paths and arrays in place, and leaves records without the fields alone", () => {
    const protector = new RecordProtector(
      { "card.number": "hash", ssn: "drop", "items.sku": "mask" },
      PiiKey.from(KEY),
    );
    const record = {
      card: { number: "4111111111111234", brand: "visa" },
      ssn: "123-45-6789",
      items: [{ sku: "ABCDEFGH1" }, { other: 1 }],
    };
    protector.protect(record);
    assert.deepEqual(record, {
      card: { number: hashField("4111111111111234", KEY), brand: "visa" },
      items: [{ sku: "****FGH1" }, { other: 1 }],
    });
    const untouched: unknown[] = [null, { card: null }, { other: "4111111111111234" }];
    for (const value of untouched) protector.protect(value);
    assert.deepEqual(untouched, [null, { card: null }, { other: "4111111111111234" }]);
  });

  it("fails closed: a scalar where the path expects an object, and a literal dotted key, are protected too", () => {
    const protector = new RecordProtector({ "card.number": "hash", "a.b.ssn": "drop" }, PiiKey.from(KEY));
    const record: Record<string, unknown> = {
      card: "4111111111119999",
      "card.number": "4111111111110003",
      a: { b: ["123-45-6789", { ssn: "987-65-4321", keep: 1 }], "b.ssn": "555-12-3456" },
    };
    protector.protect(record);
    assert.deepEqual(record, {
      card: hashField("4111111111119999", KEY),
      "card.number": hashField("4111111111110003", KEY),
      a: { b: [null, { keep: 1 }] },
    });
    const list = { card: ["4111111111110001", { number: "4111111111110002" }] };
    protector.protect(list);
    assert.deepEqual(list, {
      card: [hashField("4111111111110001", KEY), { number: hashField("4111111111110002", KEY) }],
    });
  });
});

describe("PII policies in stream definitions and the server", () => {
  it("defineStream refuses an unknown action or a bad path, naming the stream", () => {
    const spec = { name: "s", schema: { type: "object" } } as const;
    assert.throws(
      () => defineStream({ ...spec, pii: { email: "rot13" as never } }),
      /stream "s": pii.email: unknown action "rot13"/,
    );
    assert.throws(() => defineStream({ ...spec, pii: { "a..b": "drop" } }), /is not a field path/);
    assert.throws(
      () => defineStream({ name: "s", schema: {}, pii: { email: "drop" } }),
      /stream "s": PII policies need a schema of "type": "object"/,
    );
  });

  it("createServer refuses to start when a stream needs a key and none is configured", () => {
    const dir = mkdtempSync(join(tmpdir(), "sluice-pii-nokey-"));
    const store = new EmbeddedStore(dir);
    const saved = process.env.SLUICE_PII_KEY;
    delete process.env.SLUICE_PII_KEY;
    try {
      assert.throws(
        () => createServer({ store, streams: [paymentsStream()] }),
        /stream "payments" declares PII policies that need a key \(card.number: hash, name: encrypt\).*SLUICE_PII_KEY/,
      );
      // drop and mask need no key.
      const keyless = defineStream({ name: "k", schema: { type: "object" }, pii: { a: "drop", b: "mask" } });
      createServer({ store, streams: [keyless] });
    } finally {
      if (saved !== undefined) process.env.SLUICE_PII_KEY = saved;
      store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("sluice run refuses to start without the key, with the message and no stack trace", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sluice-pii-run-"));
    const saved = process.env.SLUICE_PII_KEY;
    delete process.env.SLUICE_PII_KEY;
    try {
      const sluice = pathToFileURL(join(import.meta.dirname, "..", "index.js")).href;
      writeFileSync(
        join(dir, "cards.mjs"),
        `import { defineStream, Pipeline, storedStream, view } from ${JSON.stringify(sluice)};
const p = new Pipeline("cards");
p.source("cards", storedStream("cards")).to(view("cards_latest"));
export default p;
export const streams = [defineStream({ name: "cards", schema: { type: "object" }, pii: { number: "hash" } })];
`,
      );
      let stderr = "";
      const io = {
        stdout: new Writable({ write: (_chunk, _encoding, done) => done() }),
        stderr: new Writable({
          write(chunk, _encoding, done) {
            stderr += String(chunk);
            done();
          },
        }),
      };
      const code = await runRun([join(dir, "cards.mjs"), "--data", join(dir, "data"), "--port", "0"], io);
      assert.equal(code, 1);
      assert.match(
        stderr,
        /^sluice run: stream "cards" declares PII policies that need a key \(number: hash\)/m,
      );
      assert.doesNotMatch(stderr, /\n\s+at /, "no stack trace");
      const badFile = await runRun(
        [join(dir, "cards.mjs"), "--data", join(dir, "data"), "--pii-key-file", join(dir, "none.key")],
        io,
      );
      assert.equal(badFile, 1);
      assert.match(stderr, /cannot read the PII key file .*none\.key/);
    } finally {
      if (saved !== undefined) process.env.SLUICE_PII_KEY = saved;
      rmSync(dir, { recursive: true, force: true });
    }
  });

  describe("over HTTP", () => {
    let t: TestServer;
    before(async () => {
      t = await startTestServer({ streams: [paymentsStream()], piiKey: KEY });
    });
    after(() => t.close());

    it("validates the original values, then stores the protected ones", async () => {
      const reply = await post(
        `${t.url}/v1/streams/payments/events`,
        JSON.stringify([
          {
            id: 1,
            amount: 5,
            email: "alice@example.org",
            ssn: "123-45-6789",
            name: "Zelda",
            card: { number: "4111111111111234" },
          },
          { id: 2, amount: 5, card: { number: "4111-1111" } },
        ]),
      );
      assert.equal(reply.status, 200);
      assert.deepEqual(reply.body.errors, [
        { index: 1, reason: '/card/number: must match pattern "^[0-9]{16}$"' },
      ]);
      const [stored] = t.store.log.read("payments", reply.body.offsets.first, 1).records as Array<
        Record<string, unknown>
      >;
      assert.equal(stored!.email, "****.org");
      assert.equal("ssn" in stored!, false);
      assert.deepEqual(stored!.card, { number: hashField("4111111111111234", KEY) });
      assert.equal(decryptField(stored!.name as string, KEY), "Zelda");
      const dead = await get(`${t.url}/v1/dlq?stream=payments`);
      assert.deepEqual(dead.body.entries[0].record.card, { number: hashField("4111-1111", KEY) });
    });
  });
});
