import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { iotPipeline, startPipelineServer } from "./pipeline-fixture.js";
import { get } from "./server-fixture.js";

const READER = "reader-key-0123456789";
const INGESTER = "ingest-key-0123456789";

describe("GET /v1/pipelines", () => {
  it("reports the step graph with edges, counts, watermarks, checkpoints and source lag", async () => {
    const s = await startPipelineServer();
    try {
      assert.equal(
        await s.ingest([
          { deviceId: "a", temp: 1, ts: 1000 },
          { deviceId: "b", temp: 2, ts: 1500 },
          { deviceId: "a", temp: 3, ts: 2500 },
        ]),
        200,
      );
      await s.checkpoint();
      await s.ingest([
        { deviceId: "a", temp: 4, ts: 500 }, // late: its window [0, 1000) closed at watermark 2500
        { deviceId: "c", temp: 5, ts: 3200 },
      ]);
      await s.checkpoint();
      const reply = await get(`${s.t.url}/v1/pipelines`);
      assert.equal(reply.status, 200);
      assert.equal(reply.body.pipelines.length, 1);
      const info = reply.body.pipelines[0];
      assert.equal(info.name, "iot");
      assert.equal(info.status, "running");
      assert.equal(info.error, null);
      assert.equal(typeof info.startedAt, "number");
      // biome-ignore lint/suspicious/noExplicitAny: a reply read loosely
      const steps = new Map<string, any>(info.steps.map((step: { id: string }) => [step.id, step]));
      assert.deepEqual(
        info.steps.map((step: { id: string; verb: string; inputs: unknown[] }) => [step.id, step.inputs]),
        [
          ["readings", []],
          ["rounded", [{ step: "readings", edge: "main" }]],
          ["event-time", [{ step: "rounded", edge: "main" }]],
          [info.steps[3].id, [{ step: "event-time", edge: "main" }]],
          ["per-second", [{ step: info.steps[3].id, edge: "main" }]],
          ["counts-view", [{ step: "per-second", edge: "main" }]],
          ["late", [{ step: "per-second", edge: "late" }]],
          ["late-sink", [{ step: "late", edge: "main" }]],
        ],
      );
      const source = steps.get("readings");
      assert.equal(source.verb, "source");
      assert.equal(source.recordsIn, 5);
      assert.equal(source.recordsOut, 5);
      assert.equal(steps.get("late-sink").recordsIn, 1, "the late record reached the late output");
      const eventTime = steps.get("event-time");
      assert.equal(eventTime.watermark, 3200);
      assert.ok(eventTime.watermarkLagMs > 0, "the job's clock is far past event time 3200");
      assert.equal(source.watermark, null);
      assert.equal(source.watermarkLagMs, null);
      for (const step of info.steps) {
        assert.equal(typeof step.inRate, "number");
        assert.equal(typeof step.outRate, "number");
        assert.ok(step.processingMs >= 0);
        assert.equal(step.ended, false);
      }
      assert.ok(steps.get("per-second").processingMs > 0, "the window step spent time");
      assert.equal(info.checkpoints.count, 2);
      assert.equal(info.checkpoints.lastId, 2);
      assert.equal(typeof info.checkpoints.lastAt, "number");
      assert.ok(info.checkpoints.lastDurationMs >= 0);
      assert.ok(info.checkpoints.lastBytes > 0, "the embedded store reports the bytes it wrote");
      assert.equal(info.checkpoints.intervalMs, 3_600_000);
      assert.equal(info.checkpoints.idlePauseMs, null);
      assert.equal(info.backpressure.blockedMs >= 0, true);
      assert.ok(info.backpressure.blockedRatio >= 0 && info.backpressure.blockedRatio <= 1);
      assert.deepEqual(info.sources, [
        { step: "readings", stream: "readings", position: 5, endOffset: 5, lag: 0 },
      ]);

      const one = await get(`${s.t.url}/v1/pipelines/iot`);
      assert.equal(one.status, 200);
      assert.equal(one.body.name, "iot");
      assert.equal(one.body.checkpoints.count, 2);
      const missing = await get(`${s.t.url}/v1/pipelines/nope`);
      assert.equal(missing.status, 404);
      assert.equal(missing.body.error.code, "unknown_pipeline");
    } finally {
      await s.close();
    }
  });

  it("shows rates from samples and counts checkpoints as they commit", async () => {
    const s = await startPipelineServer();
    try {
      await s.ingest(Array.from({ length: 200 }, (_, i) => ({ deviceId: `d${i % 7}`, temp: i, ts: i * 10 })));
      await s.checkpoint();
      await get(`${s.t.url}/v1/pipelines/iot`); // a sample before the next records
      await s.ingest(Array.from({ length: 100 }, (_, i) => ({ deviceId: "x", temp: i, ts: 2000 + i })));
      await s.checkpoint();
      const info = (await get(`${s.t.url}/v1/pipelines/iot`)).body;
      assert.equal(info.checkpoints.count, 2);
      const source = info.steps.find((step: { id: string }) => step.id === "readings");
      assert.ok(source.inRate > 0, `records flowed since the last sample (inRate ${source.inRate})`);
      const streams = (await get(`${s.t.url}/v1/streams/readings`)).body;
      assert.ok(streams.ratePerSecond > 0, `appends since the last sample (${streams.ratePerSecond})`);
    } finally {
      await s.close();
    }
  });

  it("needs read:pipelines, read:* or admin when keys are set", async () => {
    const s = await startPipelineServer({
      pipeline: iotPipeline(),
      server: {
        apiKeys: [
          { key: READER, scopes: ["read:*"] },
          { key: INGESTER, scopes: ["ingest:readings"] },
        ],
      },
    });
    try {
      assert.equal((await get(`${s.t.url}/v1/pipelines`)).status, 401);
      assert.equal((await get(`${s.t.url}/v1/pipelines`, { "x-api-key": INGESTER })).status, 403);
      const reply = await get(`${s.t.url}/v1/pipelines/iot`, { authorization: `Bearer ${READER}` });
      assert.equal(reply.status, 200);
      assert.equal(reply.body.name, "iot");
    } finally {
      await s.close();
    }
  });
});
