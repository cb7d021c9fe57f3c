import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { get, post, startTestServer } from "./server-fixture.js";
import type { LogFormat } from "./server-log.js";
import { redactUrl, withoutEchoedInput } from "./server-log.js";
import { connect } from "./ws-test-client.js";

const ADMIN = "admin-key-never-logged-0001";
const INGEST = "ingest-key-never-logged-0001";

/** Runs a server logging at `trace` into memory, sends requests presenting keys every way, returns the lines. */
async function logsOf(format: LogFormat): Promise<string[]> {
  const lines: string[] = [];
  const t = await startTestServer({
    apiKeys: [
      { key: ADMIN, scopes: ["admin"] },
      { key: INGEST, scopes: ["ingest:*"] },
    ],
    log: { level: "trace", format, destination: { write: (line: string) => lines.push(line) } },
  });
  try {
    const events = `${t.url}/v1/streams/readings/events`;
    const record = JSON.stringify({ deviceId: "d1", temp: 1 });
    assert.equal((await post(events, record, undefined, { authorization: `Bearer ${INGEST}` })).status, 200);
    assert.equal((await post(events, record, undefined, { "x-api-key": INGEST })).status, 200);
    assert.equal((await post(events, record, undefined, { authorization: `Bearer ${ADMIN}x` })).status, 401);
    assert.equal((await get(`${t.url}/v1/dlq?key=${ADMIN}`)).status, 401);
    assert.equal((await get(`${t.url}/metrics`, { "x-api-key": ADMIN })).status, 200);
    const ws = await connect(`${t.url.replace("http", "ws")}/v1/streams/readings/ws?key=${INGEST}&x=1`);
    assert.equal((await ws.send(record)).accepted, 1);
    ws.socket.close();
  } finally {
    await t.close();
  }
  return lines;
}

describe("structured logs", () => {
  it("JSON lines with the request's method, url and status, and never an API key", async () => {
    const lines = await logsOf("json");
    const events = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    assert.ok(events.length >= 12);
    const urls = events.map((e) => (e.req as { url?: string } | undefined)?.url).filter(Boolean);
    assert.ok(urls.includes("/v1/dlq?key=[REDACTED]"));
    assert.ok(urls.includes("/v1/streams/readings/ws?key=[REDACTED]&x=1"));
    assert.ok(
      events.some(
        (e) => e.msg === "request completed" && (e.res as { statusCode: number }).statusCode === 401,
      ),
    );
    const text = lines.join("");
    for (const key of [ADMIN, INGEST]) assert.ok(!text.includes(key), `${key} was logged`);
    assert.ok(!/authorization|x-api-key/i.test(text), "no request headers are logged");
  });

  it("text lines: time, level, message and fields, and never an API key", async () => {
    const lines = await logsOf("text");
    assert.match(lines[0]!, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z (INFO |DEBUG|TRACE) \S/);
    assert.ok(lines.some((line) => / INFO {2}request completed .*"statusCode":401/.test(line)));
    const text = lines.join("");
    for (const key of [ADMIN, INGEST]) assert.ok(!text.includes(key), `${key} was logged`);
  });

  it("redacts key parameters and quoted JSON input", () => {
    assert.equal(redactUrl("/a?key=s3cr3t&b=1&api_key=x#f"), "/a?key=[REDACTED]&b=1&api_key=[REDACTED]#f");
    assert.equal(redactUrl("/a?monkey=1"), "/a?monkey=1");
    // The server decodes parameter names, so the redaction does too.
    assert.equal(redactUrl("/ws?%6Bey=s3cr3t&k%65y=s3cr3t"), "/ws?%6Bey=[REDACTED]&k%65y=[REDACTED]");
    assert.equal(redactUrl("/a?key"), "/a?key=[REDACTED]");
    assert.equal(redactUrl("/a?%E0%A4%A=1&b=2"), "/a?%E0%A4%A=1&b=2", "an undecodable name is kept");
    let message = "";
    try {
      JSON.parse("card 4111111111111111");
    } catch (error) {
      message = (error as Error).message;
    }
    assert.ok(message.includes("card 41111"), "V8 quotes the input");
    assert.equal(withoutEchoedInput(message), "Unexpected token 'c'");
  });
});
