/**
 * HTTPS: `createServer({ tls })` and `sluice run --tls-cert --tls-key`, with the throwaway certificate of
 * test/fixtures/tls (self-signed for localhost and 127.0.0.1), trusted by the client as its own CA.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { WebSocket } from "ws";
import { startSluice } from "../cli/cli-test-process.js";
import { runRun } from "../cli/run-command.js";
import { startTestServer, type TestServer } from "./server-fixture.js";
import { CERT, CERT_FILE, KEY_FILE, httpsRequest as request, TLS_OPTIONS } from "./tls-fixture.js";

const EXAMPLE = fileURLToPath(new URL("../../examples/clickstream-sessions.js", import.meta.url));

describe("TLS", () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer({ tls: { cert: CERT, key: readFileSync(KEY_FILE, "utf8") } });
  });
  after(() => t.close());

  it("createServer({ tls }) serves HTTPS and WSS, and refuses plain HTTP", async () => {
    assert.match(t.url, /^https:\/\/127\.0\.0\.1:\d+$/);
    assert.equal((await request(`${t.url}/healthz`)).status, 200);
    const ingest = await request(
      `${t.url}/v1/streams/readings/events`,
      "POST",
      JSON.stringify({ deviceId: "d1", temp: 20 }),
    );
    assert.equal(ingest.status, 200);
    assert.equal(JSON.parse(ingest.body).accepted, 1);
    const ack = await new Promise<string>((resolve, reject) => {
      const socket = new WebSocket(`${t.url.replace("https", "wss")}/v1/streams/readings/ws`, { ca: CERT });
      socket.on("open", () => socket.send(JSON.stringify({ deviceId: "d2", temp: 21 })));
      socket.on("message", (data) => {
        resolve(String(data));
        socket.close();
      });
      socket.on("error", reject);
    });
    assert.equal(JSON.parse(ack).accepted, 1);
    await assert.rejects(fetch(`${t.url.replace("https", "http")}/healthz`));
    // A client that does not trust the certificate is refused by its own TLS check.
    await assert.rejects(fetch(`${t.url}/healthz`));
  });
});

describe("sluice run --tls-cert/--tls-key", () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "sluice-tls-run-"));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  async function run(args: string[]): Promise<{ code: number; stderr: string }> {
    let stderr = "";
    const sink = (collect: (text: string) => void) =>
      new Writable({
        write(chunk, _encoding, done) {
          collect(String(chunk));
          done();
        },
      });
    const code = await runRun(args, { stdout: sink(() => {}), stderr: sink((text) => (stderr += text)) });
    return { code, stderr };
  }

  it("answers bad usage with exit code 2 and a clear message", async () => {
    const one = await run([EXAMPLE, "--tls-cert", CERT_FILE]);
    assert.equal(one.code, 2);
    assert.match(one.stderr, /--tls-cert and --tls-key go together: pass both \(PEM files\) or neither/);
    const missing = await run([EXAMPLE, "--tls-cert", join(dir, "nope.pem"), "--tls-key", KEY_FILE]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /--tls-cert .*nope\.pem: cannot read it \(no such file\)/);
    const format = await run([EXAMPLE, "--log-format", "xml"]);
    assert.equal(format.code, 2);
    assert.match(format.stderr, /--log-format must be "text" or "json"/);
    assert.match(
      (await run([EXAMPLE, "--log-level", "loud"])).stderr,
      /--log-level must be one of fatal, error/,
    );
  });

  it("serves HTTPS, with JSON request logs on stdout that redact ?key=", async () => {
    const sluice = startSluice([
      "run",
      EXAMPLE,
      "--data",
      join(dir, "data"),
      "--port",
      "0",
      ...TLS_OPTIONS,
      "--log-format",
      "json",
    ]);
    try {
      const [, url] = await sluice.waitFor("stderr", /serving (https:\/\/\S+)/);
      assert.equal((await request(`${url}/healthz?key=secret-key-in-url-0001`)).status, 200);
      await sluice.waitFor("stdout", /request completed/, 2000);
    } finally {
      assert.equal(await sluice.stop(), 0, sluice.stderr());
    }
    const stdout = sluice.stdout();
    const stderr = sluice.stderr();
    const events = stdout
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as { msg: string; req?: { url: string } });
    const incoming = events.find((e) => e.msg === "incoming request");
    assert.equal(incoming?.req?.url, "/healthz?key=[REDACTED]");
    assert.ok(events.some((e) => e.msg === "request completed"));
    assert.ok(!stdout.includes("secret-key-in-url-0001"));
    assert.match(stderr, /\[status\]|caught up|serving https/, "progress lines stay text on stderr");
  });
});
