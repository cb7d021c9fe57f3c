import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Source } from "../connectors/source.js";
import { Pipeline } from "../dataflow/pipeline.js";
import { discard } from "../sinks/count-sink.js";
import { READY_MAX_LAG } from "./health-route.js";
import { startPipelineServer } from "./pipeline-fixture.js";
import { get, startTestServer } from "./server-fixture.js";

describe("GET /healthz, /readyz", () => {
  it("answers ok, and ready while the store is open and the check says so", async () => {
    let ready: boolean | string = true;
    const t = await startTestServer({ ready: () => ready });
    try {
      const health = await get(`${t.url}/healthz`);
      assert.equal(health.status, 200);
      assert.deepEqual(health.body, { status: "ok" });
      assert.equal((await get(`${t.url}/readyz`)).status, 200);
      ready = "pipeline iot catching up";
      const notReady = await get(`${t.url}/readyz`);
      assert.equal(notReady.status, 503);
      assert.deepEqual(notReady.body, { error: { code: "not_ready", message: "pipeline iot catching up" } });
      ready = true;
      t.store.close();
      const closed = await get(`${t.url}/readyz`);
      assert.equal(closed.status, 503);
      assert.equal(closed.body.error.message, "the store is closed");
    } finally {
      await t.server.close();
      const { rmSync } = await import("node:fs");
      rmSync(t.dir, { recursive: true, force: true });
    }
  });
});

describe("GET /readyz with pipelines", () => {
  it("is not ready once a pipeline failed, naming it and the error", async () => {
    // A source that fails when told to (user code that throws in a step is dead-lettered, not fatal).
    let breakSource: (error: Error) => void = () => {};
    const failing: Source<unknown> = {
      kind: "test",
      partitions: 1,
      open: () => ({
        next: () =>
          new Promise<null>((_resolve, reject) => {
            breakSource = reject;
          }),
        position: () => null,
      }),
    };
    const pipeline = new Pipeline("fragile");
    pipeline.source("feed", failing).to(discard());
    const s = await startPipelineServer({ pipeline });
    try {
      assert.equal((await get(`${s.t.url}/readyz`)).status, 200);
      breakSource(new Error("feed connection lost"));
      await s.job.done.catch(() => {});
      const reply = await get(`${s.t.url}/readyz`);
      assert.equal(reply.status, 503);
      assert.deepEqual(reply.body.error, {
        code: "not_ready",
        message: "pipeline fragile failed (see GET /v1/pipelines/fragile)",
      });
      const info = (await get(`${s.t.url}/v1/pipelines/fragile`)).body;
      assert.equal(info.status, "failed");
      assert.equal(info.error, "feed connection lost");
      const metrics = await (await fetch(`${s.t.url}/metrics`)).text();
      assert.ok(metrics.includes('sluice_pipeline_up{pipeline="fragile"} 0'));
      assert.ok(metrics.includes('sluice_pipeline_state{pipeline="fragile",state="failed"} 1'));
    } finally {
      await s.close();
    }
  });

  it("reports a stopped pipeline as stopped: not ready, not up, state stopped", async () => {
    const idle: Source<unknown> = {
      kind: "test",
      partitions: 1,
      open: () => ({ next: () => new Promise<null>(() => {}), position: () => null }),
    };
    const pipeline = new Pipeline("paused");
    pipeline.source("feed", idle).to(discard());
    const s = await startPipelineServer({ pipeline });
    try {
      await s.job.stop();
      const reply = await get(`${s.t.url}/readyz`);
      assert.equal(reply.status, 503);
      assert.equal(reply.body.error.message, "pipeline paused was stopped");
      assert.equal((await get(`${s.t.url}/v1/pipelines/paused`)).body.status, "stopped");
      const metrics = await (await fetch(`${s.t.url}/metrics`)).text();
      assert.ok(metrics.includes('sluice_pipeline_up{pipeline="paused"} 0'));
      assert.ok(metrics.includes('sluice_pipeline_state{pipeline="paused",state="stopped"} 1'));
    } finally {
      await s.close();
    }
  });

  it("is not ready while a stored-stream source is READY_MAX_LAG records or more behind", async () => {
    // A source on "readings" that never reads: everything ingested is lag.
    const stalled: Source<unknown> = {
      kind: "stored-stream",
      stream: "readings",
      partitions: 1,
      open: () => ({ next: () => new Promise<null>(() => {}), position: () => 0 }),
    };
    const pipeline = new Pipeline("stalled");
    pipeline.source("readings", stalled).to(discard());
    const s = await startPipelineServer({ pipeline });
    try {
      assert.equal((await get(`${s.t.url}/readyz`)).status, 200);
      const readings = Array.from({ length: READY_MAX_LAG }, (_, i) => ({ deviceId: "d", temp: 1, ts: i }));
      assert.equal(await s.ingest(readings), 200);
      const reply = await get(`${s.t.url}/readyz`);
      assert.equal(reply.status, 503);
      assert.equal(
        reply.body.error.message,
        `pipeline stalled: source readings is ${READY_MAX_LAG} records behind stream readings (ready below ${READY_MAX_LAG})`,
      );
      const info = (await get(`${s.t.url}/v1/pipelines/stalled`)).body;
      assert.deepEqual(info.sources, [
        { step: "readings", stream: "readings", position: 0, endOffset: READY_MAX_LAG, lag: READY_MAX_LAG },
      ]);
    } finally {
      await s.close();
    }
  });
});
