import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { startPipelineServer } from "./pipeline-fixture.js";

/** The value of the sample `series` (name and labels exactly as printed), or undefined. */
function sample(text: string, series: string): number | undefined {
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe("GET /metrics for pipelines", () => {
  it("reports per-step records, processing time, watermark lag, checkpoints, state, DLQ and end-to-end latency", async () => {
    const s = await startPipelineServer();
    try {
      await s.ingest([
        { deviceId: "a", temp: 1, ts: 1000 },
        { deviceId: "b", temp: 2, ts: 2500 },
      ]);
      await s.ingest([{ deviceId: "c", temp: 3, ts: 2600 }, { temp: 4 }]); // the second is rejected
      await s.checkpoint();
      await s.ingest([{ deviceId: "a", temp: 5, ts: 3000 }]);
      await s.checkpoint();
      const text = await (await fetch(`${s.t.url}/metrics`)).text();
      const p = 'pipeline="iot"';
      assert.equal(sample(text, `sluice_step_records_in_total{${p},step="readings"}`), 4);
      assert.equal(sample(text, `sluice_step_records_out_total{${p},step="readings"}`), 4);
      assert.equal(sample(text, `sluice_step_records_in_total{${p},step="counts-view"}`), 3);
      assert.ok(sample(text, `sluice_step_processing_seconds_total{${p},step="per-second"}`)! > 0);
      // The job's clock is the system clock, far past event time 3000.
      assert.ok(sample(text, `sluice_watermark_lag_seconds{${p},source="readings"}`)! > 1e9);
      assert.equal(sample(text, `sluice_backpressure_seconds_total{${p},source="readings"}`)! >= 0, true);
      assert.equal(sample(text, `sluice_source_lag_records{${p},source="readings"}`), 0);
      assert.equal(sample(text, `sluice_checkpoint_duration_seconds_count{${p}}`), 2);
      // Every batch the source handed over is observed once (a batch holds one or more appends' records).
      const batches = sample(text, `sluice_batch_processing_seconds_count{${p}}`)!;
      assert.ok(batches >= 1 && batches <= 3, `batches ${batches}`);
      assert.ok(sample(text, `sluice_batch_processing_seconds_sum{${p}}`)! > 0);
      assert.equal(sample(text, `sluice_checkpoint_size_bytes_count{${p}}`), 2);
      assert.ok(sample(text, `sluice_checkpoint_size_bytes_sum{${p}}`)! > 0);
      assert.equal(sample(text, `sluice_pipeline_up{${p}}`), 1);
      assert.equal(sample(text, `sluice_pipeline_state{${p},state="running"}`), 1);
      assert.equal(sample(text, `sluice_pipeline_state{${p},state="failed"}`), 0);
      assert.equal(sample(text, 'sluice_dlq_size{reason="invalid"}'), 1);
      assert.equal(sample(text, 'sluice_dlq_size{reason="late"}'), 0);
      // Three appends (ingest requests with accepted records), each covered by a checkpoint once.
      assert.equal(sample(text, `sluice_end_to_end_latency_seconds_count{${p},source="readings"}`), 3);
      const sum = sample(text, `sluice_end_to_end_latency_seconds_sum{${p},source="readings"}`)!;
      assert.ok(sum > 0 && sum < 60, `end-to-end latency sum ${sum}`);
      assert.ok(
        text.includes(`sluice_end_to_end_latency_seconds_bucket{le="+Inf",${p},source="readings"} 3`),
      );
    } finally {
      await s.close();
    }
  });
});
