/**
 * `sluice demo` end to end, as `npm start` runs it: the server comes up, every example's views fill within
 * seconds from events POSTed over HTTP, the DLQ holds invalid and late records, a status line reports rates,
 * lag and dead letters, and Ctrl-C stops it cleanly; with --tls-cert/--tls-key all of it runs over HTTPS.
 */
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { describe, it } from "node:test";
import { startSluice } from "../src/cli/cli-test-process.js";
import { runDemo } from "../src/cli/demo.js";
import { CERT_FILE, httpsRequest, TLS_OPTIONS } from "../src/server/tls-fixture.js";

/** The views each example writes; each must have rows soon after the start. */
const VIEWS = [
  "device_stats",
  "device_alerts",
  "user_sessions",
  "top_pages",
  "vwap",
  "surge_pricing",
  "trending_hashtags",
];

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A GET over HTTPS trusting only `ca`. */
async function getJson(url: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const reply = await fetch(url);
  return { status: reply.status, body: (await reply.json()) as Record<string, unknown> };
}

function memoryIo() {
  let out = "";
  let err = "";
  const sink = (append: (s: string) => void) =>
    new Writable({
      write(chunk, _encoding, done) {
        append(String(chunk));
        done();
      },
    });
  return {
    io: { stdout: sink((s) => (out += s)), stderr: sink((s) => (err += s)) },
    out: () => out,
    err: () => err,
  };
}

describe("sluice demo", () => {
  it("serves every example's views within seconds, dead-letters invalid and late records, and stops on Ctrl-C", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sluice-demo-test-"));
    const data = join(dir, "data");
    const sluice = startSluice(["demo", "--port", "0", "--data", data, "--seconds", "60"]);
    try {
      const [, url] = await sluice.waitFor("stdout", /^Dashboard: (http:\/\/\S+)\/$/m);
      const started = Date.now();

      let ready = 0;
      while (ready !== 200 && Date.now() - started < 5000) {
        ready = (await fetch(`${url}/readyz`)).status;
        if (ready !== 200) await sleep(100);
      }
      assert.equal(ready, 200, "readyz");

      const empty = new Set(VIEWS);
      while (empty.size > 0 && Date.now() - started < 12_000) {
        for (const view of empty) {
          const { status, body } = await getJson(`${url}/v1/views/${view}?limit=1`);
          if (status === 200 && (body.rows as unknown[]).length > 0) empty.delete(view);
        }
        if (empty.size > 0) await sleep(250);
      }
      assert.deepEqual([...empty], [], `views still empty ${Date.now() - started} ms after the start`);

      const invalid = await getJson(`${url}/v1/dlq?reason=invalid&limit=5`);
      const entries = invalid.body.entries as Array<{ error: string; origin: { stream: string } }>;
      assert.ok(entries.length > 0, "invalid records are dead-lettered");
      assert.match(entries[0]!.error, /^record \d+: \/\w*: /);
      assert.ok(entries[0]!.origin.stream.length > 0);
      let late: unknown[] = [];
      while (late.length === 0 && Date.now() - started < 15_000) {
        late = (await getJson(`${url}/v1/dlq?reason=late&limit=5`)).body.entries as unknown[];
        if (late.length === 0) await sleep(250);
      }
      assert.ok(late.length > 0, "late records are dead-lettered");
      const readings = await getJson(`${url}/v1/streams/readings`);
      assert.deepEqual(readings.body.retention, { maxAge: "15m" }, "each stream keeps its last 15 minutes");

      // A status line every 5 s: the ingest rate, the lag and the dead letters.
      const status =
        /^\[status\] \d+ events\/s accepted .* · lag \d+ records · DLQ \d+ \(invalid \d+, late \d+\)/m;
      await sluice.waitFor("stderr", status, Math.max(0, 30_000 - (Date.now() - started)));

      assert.equal(await sluice.stop("SIGINT"), 0, sluice.stderr());
      assert.match(sluice.stderr(), /stopping/);
      assert.ok(existsSync(join(data, "state.db")), "--data keeps the store");
    } finally {
      await sluice.stop("SIGKILL");
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("serves HTTPS with --tls-cert/--tls-key: its generators post over HTTPS and a view fills; JSON request logs with --log-format json", async () => {
    const sluice = startSluice([
      "demo",
      "--port",
      "0",
      ...TLS_OPTIONS,
      "--log-format",
      "json",
      "--log-level",
      "info",
      "--seconds",
      "120",
    ]);
    try {
      const [, url] = await sluice.waitFor("stdout", /^Dashboard: (https:\/\/\S+)\/$/m);
      let rows: unknown[] = [];
      const started = Date.now();
      while (rows.length === 0 && Date.now() - started < 60_000) {
        const reply = await httpsRequest(`${url}/v1/views/device_stats?limit=1`);
        if (reply.status === 200) rows = (JSON.parse(reply.body) as { rows: unknown[] }).rows;
        if (rows.length === 0) await sleep(250);
      }
      const stderr = sluice.stderr();
      assert.ok(rows.length > 0, `device_stats is still empty after 60 s over HTTPS:\n${stderr}`);
      assert.match(stderr, /over HTTPS/);
      assert.doesNotMatch(stderr, /failed requests/);
      const events = sluice
        .stdout()
        .split("\n")
        .filter((line) => line.startsWith("{"))
        .map((line) => JSON.parse(line) as { msg?: string; req?: { url?: string } });
      assert.ok(
        events.some((e) => e.msg === "incoming request" && e.req?.url === "/v1/streams/readings/events"),
        "a JSON request log line for the generators' posts",
      );
      assert.equal(await sluice.stop(), 0, sluice.stderr());
    } finally {
      await sluice.stop("SIGKILL");
    }
  });

  it("prints its usage with --help, and refuses bad usage with exit code 2", async () => {
    const help = memoryIo();
    assert.equal(await runDemo(["--help"], help.io), 0);
    assert.match(help.out(), /Usage: sluice demo/);
    for (const argv of [
      ["--rate", "0"],
      ["--port", "x"],
      ["--nope"],
      ["extra"],
      ["--data", ""],
      ["--tls-cert", CERT_FILE],
      ["--tls-cert", CERT_FILE, "--tls-key", CERT_FILE],
      ["--log-format", "xml"],
      ["--log-level", "loud"],
    ]) {
      const bad = memoryIo();
      assert.equal(await runDemo(argv, bad.io), 2, argv.join(" "));
      assert.match(bad.err(), /Usage: sluice demo/);
    }
  });
});
