/**
 * Measures the Nexmark generator alone on one core (batches of 4096 into fresh arrays, as the source does),
 * then generation + NDJSON encoding (what `sluice nexmark generate` does before writing).
 * Run: npx tsc -p tsconfig.json && node dist/bench/nexmark-generator.js [events]
 * Prints wall-clock and process-CPU rates; on a shared machine the CPU rate is the steadier one.
 */
import { NexmarkGenerator } from "../src/nexmark/generator.js";
import type { NexmarkEvent } from "../src/nexmark/model.js";
import { NdjsonEncoder } from "../src/nexmark/ndjson.js";

const total = Number(process.argv[2] ?? 10_000_000);
const BATCH = 4096;

function run(label: string, encode: boolean, events: number): void {
  const generator = new NexmarkGenerator({ events });
  const encoder = new NdjsonEncoder();
  let bytes = 0;
  const cpu0 = process.cpuUsage();
  const wall0 = process.hrtime.bigint();
  for (;;) {
    const batch: NexmarkEvent[] = [];
    const n = generator.fill(batch, [], BATCH);
    if (n === 0) break;
    if (encode) {
      encoder.writeBatch(batch, n);
      if (encoder.byteLength >= 1 << 20) bytes += encoder.take().length;
    }
  }
  bytes += encoder.take().length;
  const wall = Number(process.hrtime.bigint() - wall0) / 1e9;
  const cpuUsage = process.cpuUsage(cpu0);
  const cpu = (cpuUsage.user + cpuUsage.system) / 1e6;
  const rate = (s: number) => `${Math.round(events / s).toLocaleString("en-US")} events/s`;
  const mb = encode ? `, ${(bytes / 1e6).toFixed(0)} MB NDJSON` : "";
  console.log(
    `${label}: ${events.toLocaleString("en-US")} events, wall ${rate(wall)}, cpu ${rate(cpu)}${mb}`,
  );
}

run("warm-up", true, 1_000_000);
for (let i = 0; i < 3; i++) run("generate", false, total);
for (let i = 0; i < 2; i++) run("generate + NDJSON", true, Math.min(total, 2_000_000));
