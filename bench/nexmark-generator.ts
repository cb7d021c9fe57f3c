/**
 * Measures the Nexmark generator alone (and with NDJSON encoding) on one core.
 * Run: npx tsc -p tsconfig.json && node dist/bench/nexmark-generator.js [events]
 */
import { NexmarkGenerator } from "../src/nexmark/generator.js";
import type { NexmarkEvent } from "../src/nexmark/model.js";
import { eventToJson } from "../src/nexmark/ndjson.js";

const total = Number(process.argv[2] ?? 10_000_000);
const batch = 4096;

function run(label: string, encode: boolean): void {
  const generator = new NexmarkGenerator({ events: total });
  const events: NexmarkEvent[] = [];
  const times: number[] = [];
  let bytes = 0;
  const start = process.hrtime.bigint();
  for (;;) {
    const n = generator.fill(events, times, batch);
    if (n === 0) break;
    if (encode) for (let i = 0; i < n; i++) bytes += eventToJson(events[i]!).length + 1;
    events.length = 0;
    times.length = 0;
  }
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const rate = Math.round(total / seconds);
  const extra = encode ? `, ${(bytes / seconds / 1e6).toFixed(0)} MB/s of NDJSON` : "";
  console.log(`${label}: ${total} events in ${seconds.toFixed(2)} s = ${rate.toLocaleString("en")} events/s${extra}`);
}

run("warm-up", false);
run("generate", false);
run("generate", false);
run("generate + eventToJson", true);
