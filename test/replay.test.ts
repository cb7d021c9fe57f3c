/**
 * Replay and backfill: the same pipeline over the stored log gives the same views as the live run, in
 * process and through `sluice run --from start --stop-at-end`.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { type Click, clickstreamPipeline } from "../examples/clickstream-sessions.js";
import { startDurable } from "../src/checkpoint/durable-run.js";
import { startSluice } from "../src/cli/cli-test-process.js";
import { storedStream } from "../src/connectors/stored-stream.js";
import { EmbeddedStore } from "../src/store/index.js";

const RECORDS = 4000;
const BASE = Date.UTC(2026, 10, 1);
const click = (i: number): Click => ({
  user: `user-${(i * 7) % 31}`,
  page: `/p/${(i * 13) % 17}`,
  ts: BASE + i * 250 + ((i * 7919) % 3000),
});

function rows(store: EmbeddedStore, view: string): Map<string, unknown> {
  return new Map(store.views.list(view, { limit: 100_000 }).map((r) => [r.key, r.value]));
}

describe("replay over the stored log", () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "sluice-replay-"));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("a live run while records arrive and a later replay from the start give the same views", async () => {
    const store = new EmbeddedStore(join(dir, "a"));
    try {
      const live = startDurable(
        clickstreamPipeline("live", storedStream<Click>("clicks", { until: RECORDS })),
        {
          store,
          log: store.log,
          checkpointInterval: 20,
        },
      );
      for (let i = 0; i < RECORDS; i += 97) {
        const batch = Array.from({ length: Math.min(97, RECORDS - i) }, (_, j) => click(i + j));
        store.log.append(
          "clicks",
          batch,
          batch.map((c) => c.ts),
          Date.now(),
        );
        await new Promise((resolve) => setTimeout(resolve, 1));
      }
      await live.job.done;
      const liveSessions = rows(store, "user_sessions");
      const liveTop = rows(store, "top_pages");
      assert.ok(liveSessions.size > 0 && liveTop.size > 0);

      for (const name of ["user_sessions", "top_pages"]) store.views.clear(name);
      const replay = startDurable(
        clickstreamPipeline("replay", storedStream<Click>("clicks", { until: RECORDS })),
        {
          store,
          log: store.log,
          logStart: "start",
        },
      );
      await replay.job.done;
      assert.deepEqual(rows(store, "user_sessions"), liveSessions);
      assert.deepEqual(rows(store, "top_pages"), liveTop);
    } finally {
      store.close();
    }
  });

  it("sluice run FILE --from start --stop-at-end backfills the stored stream with progress output", async () => {
    const data = join(dir, "b");
    const store = new EmbeddedStore(data);
    const all = Array.from({ length: RECORDS }, (_, i) => click(i));
    store.log.append(
      "clicks",
      all,
      all.map((c) => c.ts),
      Date.now(),
    );
    store.close();
    const example = fileURLToPath(new URL("../examples/clickstream-sessions.js", import.meta.url));
    const backfill = startSluice([
      "run",
      example,
      "--data",
      data,
      "--from",
      "start",
      "--stop-at-end",
      "--port",
      "0",
    ]);
    const result = { code: await backfill.exited, stderr: backfill.stderr() };
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /replaying from start/);
    assert.match(result.stderr, /\[clicks\] caught up at offset 4000/);

    // The same pipeline run in process over the same records, for comparison.
    const reference = new EmbeddedStore(join(dir, "c"));
    try {
      reference.log.append(
        "clicks",
        all,
        all.map((c) => c.ts),
        Date.now(),
      );
      const run = startDurable(
        clickstreamPipeline("clickstream", storedStream<Click>("clicks", { until: RECORDS })),
        {
          store: reference,
          log: reference.log,
        },
      );
      await run.job.done;
      const backfilled = new EmbeddedStore(data);
      try {
        assert.deepEqual(rows(backfilled, "user_sessions"), rows(reference, "user_sessions"));
        assert.deepEqual(rows(backfilled, "top_pages"), rows(reference, "top_pages"));
      } finally {
        backfilled.close();
      }
    } finally {
      reference.close();
    }
  });

  it("sluice run refuses bad usage with exit code 2", async () => {
    const code = await startSluice(["run", "x.js", "--from", "yesterday"]).exited;
    assert.equal(code, 2);
    const idle = startSluice(["run", "x.js", "--idle-checkpoint", "soon"]);
    assert.equal(await idle.exited, 2);
    assert.match(idle.stderr(), /--idle-checkpoint must be a number of ms or off, got "soon"/);
  });
});

describe("sluice run serves the module's streams", () => {
  it("accepts events over HTTP into the stored stream and serves the views the pipeline writes", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sluice-run-server-"));
    const example = fileURLToPath(new URL("../examples/clickstream-sessions.js", import.meta.url));
    const sluice = startSluice(["run", example, "--data", dir, "--port", "0", "--checkpoint-interval", "50"]);
    try {
      const [, url] = await sluice.waitFor("stderr", /serving (http:\/\/[^\s]+)/);
      const body = Array.from({ length: 50 }, (_, i) =>
        JSON.stringify({ user: ` u${i % 3} `, page: "/", ts: String(BASE + i * 1000) }),
      ).join("\n");
      const reply = await fetch(`${url}/v1/streams/clicks/events`, {
        method: "POST",
        headers: { "content-type": "application/x-ndjson" },
        body: `${body}\n${JSON.stringify({ user: "", page: "/", ts: BASE })}\n`,
      });
      const ack = (await reply.json()) as { accepted: number; rejected: number };
      assert.equal(ack.accepted, 50, "cleansed: trimmed users, numeric strings coerced");
      assert.equal(ack.rejected, 1, "an empty user fails the schema");
      // A record far in the future moves the watermark so every session closes, and the checkpoint commits it.
      await fetch(`${url}/v1/streams/clicks/events`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ user: "late-comer", page: "/", ts: BASE + 3_600_000 }),
      });
      // Sessions are updated as they grow: wait until the committed rows hold all 50 clicks.
      type SessionRow = { value: { key: string; clicks: number } };
      let rows: SessionRow[] = [];
      const ours = () => rows.filter((r) => r.value.key !== "late-comer");
      for (let i = 0; i < 100 && ours().reduce((n, r) => n + r.value.clicks, 0) < 50; i++) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        const r = await fetch(`${url}/v1/views/user_sessions`);
        if (r.ok) rows = ((await r.json()) as { rows: SessionRow[] }).rows ?? [];
      }
      assert.deepEqual(
        ours()
          .map((r) => [r.value.key, r.value.clicks])
          .sort(),
        [
          ["u0", 17],
          ["u1", 17],
          ["u2", 16],
        ],
        "one session per user u0, u1, u2",
      );
    } finally {
      await sluice.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("sluice run --streams FILE serves the streams a file declares, and names the fault of a bad file", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sluice-run-streams-"));
    const example = fileURLToPath(new URL("../examples/clickstream-sessions.js", import.meta.url));
    const streamsFile = join(dir, "streams.json");
    writeFileSync(
      streamsFile,
      JSON.stringify([
        {
          name: "audit",
          schema: { type: "object", properties: { who: { type: "string" } }, required: ["who"] },
          retention: { maxAge: "7d" },
        },
      ]),
    );
    const badFile = join(dir, "bad.json");
    writeFileSync(badFile, JSON.stringify([{ name: "x y", schema: {} }]));
    try {
      const bad = startSluice(["run", example, "--data", join(dir, "bad"), "--streams", badFile]);
      const code = await bad.exited;
      const badErr = bad.stderr();
      assert.equal(code, 1);
      assert.match(badErr, /streams file .*bad\.json: stream 0: stream name "x y"/);

      const sluice = startSluice([
        "run",
        example,
        "--data",
        join(dir, "data"),
        "--port",
        "0",
        "--streams",
        streamsFile,
      ]);
      try {
        const [, url] = await sluice.waitFor("stderr", /serving (http:\/\/[^\s]+)/);
        assert.match(sluice.stderr(), /streams: clicks, audit/);
        const reply = await fetch(`${url}/v1/streams/audit/events`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify([{ who: "ann" }, { what: "no who" }]),
        });
        const ack = (await reply.json()) as { accepted: number; rejected: number };
        assert.deepEqual([ack.accepted, ack.rejected], [1, 1]);
        const info = (await (await fetch(`${url}/v1/streams/audit`)).json()) as { retention: unknown };
        assert.deepEqual(info.retention, { maxAge: "7d" });
      } finally {
        await sluice.stop();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("sluice run commits views once the pipeline caught up", () => {
  const example = fileURLToPath(new URL("../examples/clickstream-sessions.js", import.meta.url));

  /** Sends clicks of three users and one far in the future (it closes their sessions); the click rows' sum. */
  async function clicksInView(url: string, waitMs: number): Promise<number> {
    const body = Array.from({ length: 30 }, (_, i) =>
      JSON.stringify({ user: `u${i % 3}`, page: "/", ts: BASE + i * 1000 }),
    );
    body.push(JSON.stringify({ user: "late-comer", page: "/", ts: BASE + 3_600_000 }));
    const reply = await fetch(`${url}/v1/streams/clicks/events`, {
      method: "POST",
      headers: { "content-type": "application/x-ndjson" },
      body: `${body.join("\n")}\n`,
    });
    assert.equal(reply.status, 200);
    type SessionRow = { value: { key: string; clicks: number } };
    let clicks = 0;
    for (const end = Date.now() + waitMs; Date.now() < end && clicks < 30; ) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      const r = await fetch(`${url}/v1/views/user_sessions`);
      const rows = r.ok ? (((await r.json()) as { rows: SessionRow[] }).rows ?? []) : [];
      clicks = rows
        .filter((row) => row.value.key !== "late-comer")
        .reduce((n, row) => n + row.value.clicks, 0);
    }
    return clicks;
  }

  it("by default, long before a 10-minute checkpoint interval", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sluice-run-idle-"));
    const sluice = startSluice([
      "run",
      example,
      "--data",
      dir,
      "--port",
      "0",
      "--checkpoint-interval",
      "600000",
    ]);
    try {
      const [, url] = await sluice.waitFor("stderr", /serving (http:\/\/[^\s]+)/);
      assert.equal(await clicksInView(url!, 10_000), 30);
    } finally {
      await sluice.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("not with --idle-checkpoint off: then only at the interval", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sluice-run-idle-off-"));
    const sluice = startSluice([
      "run",
      example,
      ...["--data", dir, "--port", "0", "--checkpoint-interval", "600000", "--idle-checkpoint", "off"],
    ]);
    try {
      const [, url] = await sluice.waitFor("stderr", /serving (http:\/\/[^\s]+)/);
      assert.equal(await clicksInView(url!, 1500), 0, "nothing committed yet");
    } finally {
      await sluice.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
