import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { EmbeddedStore } from "../store/index.js";

const CHILD = fileURLToPath(new URL("./ingest-crash-child.js", import.meta.url));

describe("ingest durability", () => {
  it("keeps every acknowledged record after the server is killed with SIGKILL", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sluice-ingest-crash-"));
    const child = spawn(process.execPath, [CHILD, dir], { stdio: ["ignore", "pipe", "inherit"] });
    const exited = once(child, "exit");
    try {
      const [url] = (await once(createInterface({ input: child.stdout! }), "line")) as [string];
      const events = `${url}/v1/streams/readings/events`;
      const acked = new Map<number, number>(); // seq → offset
      let seq = 0;
      let killed = false;
      const sendBatches = async (ndjson: boolean) => {
        while (!killed) {
          const records = Array.from({ length: 50 }, () => ({
            deviceId: `d${seq % 7}`,
            temp: 20,
            ts: seq++,
          }));
          const body = ndjson ? records.map((r) => JSON.stringify(r)).join("\n") : JSON.stringify(records);
          let reply: Response;
          try {
            reply = await fetch(events, {
              method: "POST",
              body,
              headers: { "content-type": ndjson ? "application/x-ndjson" : "application/json" },
            });
          } catch {
            return; // the server died mid-request: nothing was acknowledged
          }
          const answer = (await reply.json().catch(() => undefined)) as
            | { offsets?: { first: number } }
            | undefined;
          if (reply.status !== 200 || answer?.offsets === undefined) return;
          for (let i = 0; i < records.length; i++) acked.set(records[i]!.ts, answer.offsets.first + i);
          if (acked.size >= 1500 && !killed) {
            killed = true;
            child.kill("SIGKILL");
          }
        }
      };
      await Promise.all([sendBatches(false), sendBatches(true), sendBatches(false)]);
      const [code, signal] = (await exited) as [number | null, string | null];
      assert.equal(signal, "SIGKILL", `child exited with ${code}`);
      assert.ok(acked.size >= 1500);

      const store = new EmbeddedStore(dir);
      try {
        const read = store.log.read("readings", 0, 1_000_000);
        const atOffset = new Map(read.offsets.map((o, i) => [o, read.records[i] as { ts: number }]));
        for (const [ts, offset] of acked) {
          assert.equal(atOffset.get(offset)?.ts, ts, `acknowledged record ${ts} at offset ${offset}`);
        }
        const seen = new Set(read.records.map((r) => (r as { ts: number }).ts));
        assert.equal(seen.size, read.records.length, "no record twice");
      } finally {
        store.close();
      }
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
