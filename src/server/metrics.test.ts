import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { get, post, startTestServer } from "./server-fixture.js";

describe("GET /metrics", () => {
  it("counts ingested records, requests, latency, dead letters and stream sizes in Prometheus text format", async () => {
    const t = await startTestServer();
    try {
      const events = `${t.url}/v1/streams/readings/events`;
      await post(
        events,
        JSON.stringify([{ deviceId: "a", temp: 1 }, { deviceId: "b", temp: 2 }, { temp: "x" }]),
      );
      await post(events, "{not json");
      await post(`${t.url}/v1/streams/secret-name/events`, "{}");
      const reply = await fetch(`${t.url}/metrics`);
      assert.equal(reply.status, 200);
      assert.match(reply.headers.get("content-type") ?? "", /^text\/plain/);
      const text = await reply.text();
      for (const line of [
        'sluice_ingest_records_total{stream="readings",result="accepted"} 2',
        'sluice_ingest_records_total{stream="readings",result="rejected"} 1',
        'sluice_ingest_requests_total{stream="readings",status="200"} 1',
        'sluice_ingest_requests_total{stream="readings",status="400"} 1',
        'sluice_ingest_requests_total{stream="(unknown)",status="404"} 1',
        'sluice_ingest_request_duration_seconds_count{stream="readings"} 2',
        'sluice_dlq_entries_total{reason="invalid"} 1',
        'sluice_stream_records{stream="readings"} 2',
        'sluice_stream_end_offset{stream="readings"} 2',
        'sluice_dlq_size{reason="invalid"} 1',
      ]) {
        assert.ok(text.includes(line), `missing ${line}`);
      }
      // OpenMetrics exposes a counter `x_total` as the family `x`: no other metric may be named `x`.
      const types = new Map([...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => [m[1]!, m[2]!]));
      for (const [name, type] of types) {
        if (type !== "counter") continue;
        const family = name.replace(/_total$/, "");
        assert.ok(family === name || !types.has(family), `${family} clashes with the counter ${name}`);
      }
      assert.ok(!text.includes("secret-name"), "unknown stream names never become labels");
      assert.equal((await get(`${t.url}/metrics`)).status, 200);
    } finally {
      await t.close();
    }
  });
});
