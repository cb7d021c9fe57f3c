/**
 * The bad-input suite: over 200 generated requests that are malformed, wrongly typed, oversized, of the
 * wrong content type, for unknown streams, or with missing, unknown or under-scoped keys. Each gets its
 * documented status with a JSON error naming the record (index or line) and reason; the server stays up; and
 * the log holds exactly as many records as the replies accepted.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { get, post, startTestServer, type TestServer } from "./server-fixture.js";

const ADMIN = "admin-key-0123456789abcdef";
const INGEST_OTHER = "ingest-clicks-0123456789ab";
const READER = "read-only-key-0123456789ab";
const LIMITS = {
  bodyLimit: 64 * 1024,
  maxRecordsPerRequest: 1000,
  recordLimits: { maxDepth: 16, maxRecordBytes: 4096 },
};

interface Case {
  readonly name: string;
  readonly body: string | Uint8Array;
  readonly contentType?: string;
  readonly headers?: Record<string, string>;
  readonly path?: string;
  readonly status: number;
  readonly code?: string;
  /** A pattern the error message (or, for partial acceptance, the first listed reason) must match. */
  readonly message?: RegExp;
}

const auth = { authorization: `Bearer ${ADMIN}` };
const ndjson = "application/x-ndjson";
const good = (i: number) => ({ deviceId: `d${i}`, temp: i % 50, ts: 1_700_000_000_000 + i });
const nest = (depth: number) => `${'{"a":'.repeat(depth)}1${"}".repeat(depth)}`;

function cases(): Case[] {
  const list: Case[] = [];
  // Malformed JSON bodies.
  const malformed = [
    "{",
    "[",
    "[1,",
    "{'deviceId':'a'}",
    '{"deviceId":}',
    '{"a":1}x',
    "nul",
    "tru",
    '{"a":"\\x"}',
    '"unterminated',
    "[{},]",
    '{"a" 1}',
    "{,}",
    "}{",
    '{"a":1,,"b":2}',
    "[,1]",
    "NaN",
    "Infinity",
    "0x10",
    '{"a":01}',
  ];
  for (const body of malformed) {
    list.push({
      name: `malformed JSON ${body}`,
      body,
      status: 400,
      code: "malformed_json",
      message: /malformed JSON/,
    });
  }
  // Every truncation of a valid array is malformed.
  const whole = JSON.stringify([good(1), good(2)]);
  for (let end = 1; end < whole.length; end += 3) {
    const body = whole.slice(0, end);
    if (body.trim() !== "")
      list.push({
        name: `truncated JSON at ${end}`,
        body,
        status: 400,
        code: "malformed_json",
        message: /malformed JSON/,
      });
  }
  for (const body of ["", "   ", "\n"])
    list.push({ name: `empty JSON ${JSON.stringify(body)}`, body, status: 400, code: "empty_body" });
  for (const body of ["42", '"text"', "null", "true", "-1.5"]) {
    list.push({
      name: `JSON scalar ${body}`,
      body,
      status: 400,
      code: "malformed_json",
      message: /object .* or an array/,
    });
  }
  // Malformed NDJSON: a bad line at several positions among good ones.
  const badLines = ["{", '{"deviceId":"a",}', "[1,2", "not json", '{"a":1}}', "'x'"];
  for (const bad of badLines) {
    for (const at of [1, 2, 5, 10]) {
      const lines = Array.from({ length: 10 }, (_, i) => JSON.stringify(good(i)));
      lines[at - 1] = bad;
      list.push({
        name: `NDJSON bad line ${at}: ${bad}`,
        body: lines.join("\n"),
        contentType: ndjson,
        status: 400,
        code: "malformed_ndjson",
        message: new RegExp(`^line ${at}: malformed JSON`),
      });
    }
  }
  // Invalid UTF-8.
  const invalidUtf8 = [
    Buffer.from([0xff]),
    Buffer.from([0xc3, 0x28]),
    Buffer.from([0xe2, 0x82]),
    Buffer.from([0xed, 0xa0, 0x80]),
  ];
  for (const bytes of invalidUtf8) {
    const json = Buffer.concat([Buffer.from('{"deviceId":"'), bytes, Buffer.from('","temp":1}')]);
    list.push({
      name: `invalid UTF-8 JSON ${bytes.toString("hex")}`,
      body: json,
      status: 400,
      code: "invalid_utf8",
    });
    list.push({
      name: `invalid UTF-8 NDJSON ${bytes.toString("hex")}`,
      body: Buffer.concat([Buffer.from(`${JSON.stringify(good(0))}\n`), json]),
      contentType: ndjson,
      status: 400,
      code: "invalid_utf8",
      message: /^line 2: /,
    });
  }
  // Wrong types and missing fields: one record, so every record is rejected (422, naming the field).
  const wrongTypes: Array<[string, unknown, RegExp]> = [];
  for (const v of [1, true, null, [], {}, ["a"], { x: 1 }, 1.5])
    wrongTypes.push(["deviceId", v, /\/deviceId: must be string/]);
  for (const v of ["hot", true, null, [], {}, [1], { v: 1 }, "", "1,5", "12abc"])
    wrongTypes.push(["temp", v, /\/temp: must be number/]);
  for (const v of [true, null, [], {}, 1.5, "soon", "2024-13-45"]) wrongTypes.push(["ts", v, /\/ts: /]);
  for (const v of ["K", 1, "", null]) wrongTypes.push(["unit", v, /\/unit: /]);
  for (const v of [1, "x", [], true]) wrongTypes.push(["tags", v, /\/tags: must be object/]);
  for (const [field, value, message] of wrongTypes) {
    const record: Record<string, unknown> = { deviceId: "d", temp: 1, [field]: value };
    list.push({
      name: `wrong type ${field}=${JSON.stringify(value)}`,
      body: JSON.stringify(record),
      status: 422,
      code: "invalid_records",
      message,
    });
  }
  for (const missing of ["deviceId", "temp"]) {
    for (const extra of [{}, { ts: 1 }, { unit: "F" }]) {
      const record: Record<string, unknown> = { deviceId: "d", temp: 1, ...extra };
      delete record[missing];
      list.push({
        name: `missing ${missing} ${JSON.stringify(extra)}`,
        body: JSON.stringify(record),
        status: 422,
        code: "invalid_records",
        message: new RegExp(`/${missing}: is required`),
      });
    }
  }
  list.push({
    name: "empty object",
    body: "{}",
    status: 422,
    code: "invalid_records",
    message: /is required/,
  });
  list.push({
    name: "array of scalars",
    body: "[1,2,3]",
    status: 422,
    code: "invalid_records",
    message: /all 3 records rejected; record 0: \/: must be object/,
  });
  // Huge numbers.
  for (const n of ["1e400", "-1e400", "1e309"]) {
    list.push({
      name: `huge temp ${n}`,
      body: `{"deviceId":"d","temp":${n}}`,
      status: 422,
      code: "invalid_records",
      message: /\/temp: number out of range/,
    });
    list.push({
      name: `huge ts ${n}`,
      body: `{"deviceId":"d","temp":1,"ts":${n}}`,
      status: 422,
      code: "invalid_records",
      message: /\/ts: number out of range/,
    });
  }
  for (const n of ["1e308", "123456789012345678901234567890", "1001"]) {
    list.push({
      name: `large temp ${n}`,
      body: `{"deviceId":"d","temp":${n}}`,
      status: 422,
      code: "invalid_records",
      message: /\/temp: must be <= 1000/,
    });
  }
  // Deep nesting and oversized records.
  for (const depth of [17, 20, 100, 1000, 5000]) {
    list.push({
      name: `nested ${depth}`,
      body: `{"deviceId":"d","temp":1,"tags":${nest(depth)}}`,
      status: 422,
      code: "invalid_records",
      message: /nested deeper than 16 levels/,
    });
  }
  // Nesting so deep that serialising the record would exhaust the stack: rejected, dead-lettered as a placeholder.
  for (const depth of [20_000, 30_000]) {
    const arrays = `${"[".repeat(depth)}${"]".repeat(depth)}`;
    list.push({
      name: `arrays nested ${depth} deep`,
      body: `{"deviceId":"d","temp":1,"tags":${arrays}}`,
      status: 422,
      code: "invalid_records",
      message: /nested deeper than 16 levels/,
    });
    list.push({
      name: `NDJSON line of arrays nested ${depth} deep`,
      body: `${JSON.stringify(good(0))}\n${arrays}\n`,
      contentType: ndjson,
      status: 200,
      message: /^1: \/0\/0(\/0)*: nested deeper than 16 levels$/,
    });
  }
  for (const [size, char] of [
    [2100, "é"],
    [5000, "x"],
    [2000, "😀"],
  ] as const) {
    const lines = [JSON.stringify(good(0)), JSON.stringify({ deviceId: char.repeat(size), temp: 1 })].join(
      "\n",
    );
    list.push({
      name: `NDJSON record of ${size} × ${char}`,
      body: lines,
      contentType: ndjson,
      status: 200,
      message: /^1: \/: record is \d+ bytes, over the limit of 4096$/,
    });
  }
  for (const size of [5000, 10_000, 60_000]) {
    list.push({
      name: `record of ${size} bytes`,
      body: JSON.stringify({ deviceId: "x".repeat(size), temp: 1 }),
      status: 422,
      code: "invalid_records",
      message: /over the limit of 4096/,
    });
  }
  // Partial acceptance: the reply names each rejected index.
  for (const bad of [1, 3, 7]) {
    const records: unknown[] = Array.from({ length: 8 }, (_, i) => good(i));
    records[bad] = { deviceId: "d", temp: "hot" };
    list.push({
      name: `partial, record ${bad} bad (JSON)`,
      body: JSON.stringify(records),
      status: 200,
      message: new RegExp(`^${bad}: /temp: must be number$`),
    });
    list.push({
      name: `partial, record ${bad} bad (NDJSON)`,
      body: records.map((r) => JSON.stringify(r)).join("\n"),
      contentType: ndjson,
      status: 200,
      message: new RegExp(`^${bad}: /temp: must be number$`),
    });
  }
  // Oversized bodies and too many records.
  const big = JSON.stringify(Array.from({ length: 900 }, (_, i) => ({ ...good(i), pad: "p".repeat(80) })));
  list.push({ name: "oversized JSON body", body: big, status: 413, code: "body_too_large" });
  list.push({
    name: "oversized NDJSON body",
    body: big.slice(1, -1).replaceAll("},{", "}\n{"),
    contentType: ndjson,
    status: 413,
    code: "body_too_large",
  });
  list.push({
    name: "too many JSON records",
    body: JSON.stringify(Array.from({ length: 1001 }, () => ({}))),
    status: 413,
    code: "too_many_records",
  });
  list.push({
    name: "too many NDJSON records",
    body: "{}\n".repeat(1001),
    contentType: ndjson,
    status: 413,
    code: "too_many_records",
  });
  // Wrong content types.
  for (const type of [
    "text/plain",
    "application/xml",
    "application/x-www-form-urlencoded",
    "multipart/form-data; boundary=x",
    "application/octet-stream",
    "text/csv",
    "application/jsonx",
    "image/png",
  ]) {
    list.push({
      name: `content type ${type}`,
      body: JSON.stringify(good(0)),
      contentType: type,
      status: 415,
      code: "unsupported_media_type",
    });
  }
  list.push({
    name: "no content type",
    body: JSON.stringify(good(0)),
    contentType: "",
    status: 415,
    code: "unsupported_media_type",
  });
  // Unknown streams.
  for (const stream of ["nope", "Readings", "readings2", "a%20b", "a..b", "%F0%9F%98%80", "x".repeat(129)]) {
    list.push({
      name: `unknown stream ${stream.slice(0, 20)}`,
      path: `/v1/streams/${stream}/events`,
      body: JSON.stringify(good(0)),
      status: 404,
      code: "unknown_stream",
    });
  }
  list.push({
    name: "stream name over 200 characters",
    path: `/v1/streams/${"x".repeat(300)}/events`,
    body: "{}",
    status: 414,
    code: "uri_too_long",
  });
  list.push({
    name: "bad URL encoding",
    path: "/v1/streams/%E0%A4%A/events",
    body: "{}",
    status: 400,
    code: "bad_url",
  });
  // Missing, unknown and under-scoped keys.
  const authCases: Array<[string, Record<string, string>, number, string]> = [
    ["no key", {}, 401, "unauthorized"],
    ["empty bearer", { authorization: "Bearer " }, 401, "unauthorized"],
    [
      "basic auth",
      { authorization: `Basic ${Buffer.from(`u:${ADMIN}`).toString("base64")}` },
      401,
      "unauthorized",
    ],
    ["wrong key", { authorization: "Bearer wrong-key-0123456789abcdef" }, 401, "unauthorized"],
    ["key prefix", { authorization: `Bearer ${ADMIN.slice(0, -1)}` }, 401, "unauthorized"],
    ["key with suffix", { "x-api-key": `${ADMIN}0` }, 401, "unauthorized"],
    ["key in other case", { "x-api-key": ADMIN.toUpperCase() }, 401, "unauthorized"],
    ["other stream's ingest key", { authorization: `Bearer ${INGEST_OTHER}` }, 403, "forbidden"],
    ["read-only key", { "x-api-key": READER }, 403, "forbidden"],
  ];
  for (const [name, headers, status, code] of authCases) {
    for (const [body, contentType] of [
      [JSON.stringify(good(0)), "application/json"],
      ["{", "application/json"],
      [JSON.stringify(good(1)), ndjson],
    ] as const) {
      list.push({
        name: `auth: ${name} (${contentType}, ${body.length} bytes)`,
        body,
        contentType,
        headers: { ...headers, __noauth: "1" },
        status,
        code,
      });
    }
  }
  return list;
}

describe("bad input", () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer({
      ...LIMITS,
      apiKeys: [
        { key: ADMIN, scopes: ["admin"] },
        { key: INGEST_OTHER, scopes: ["ingest:clicks"] },
        { key: READER, scopes: ["read:*"] },
      ],
    });
  });
  after(() => t.close());

  it("answers every bad request with its documented status and a JSON error; the log agrees", async (ctx) => {
    const all = cases();
    ctx.diagnostic(`${all.length} cases`);
    assert.ok(all.length >= 200, `only ${all.length} cases`);
    let acceptedTotal = 0;
    for (const c of all) {
      const { __noauth, ...extra } = c.headers ?? {};
      const headers = __noauth === undefined ? { ...auth, ...extra } : extra;
      const reply = await post(
        `${t.url}${c.path ?? "/v1/streams/readings/events"}`,
        c.body,
        c.contentType ?? "application/json",
        headers,
      );
      assert.equal(
        reply.status,
        c.status,
        `${c.name}: status ${reply.status} ${JSON.stringify(reply.body).slice(0, 300)}`,
      );
      assert.equal(typeof reply.body, "object", `${c.name}: a JSON body`);
      if (typeof reply.body.accepted === "number") acceptedTotal += reply.body.accepted;
      if (c.status === 200) {
        const first = reply.body.errors[0];
        assert.match(`${first.index}: ${first.reason}`, c.message!, c.name);
        continue;
      }
      assert.equal(typeof reply.body.error?.message, "string", `${c.name}: an error message`);
      if (c.code !== undefined)
        assert.equal(reply.body.error.code, c.code, `${c.name}: ${reply.body.error.message}`.slice(0, 200));
      if (c.message !== undefined) assert.match(reply.body.error.message, c.message, c.name);
    }
    assert.equal((await get(`${t.url}/healthz`)).status, 200, "the server is still up");
    assert.equal(t.store.log.endOffset("readings"), acceptedTotal, "the log holds exactly what was accepted");
    assert.ok(acceptedTotal > 0);
  });
});
