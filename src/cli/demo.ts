/**
 * `sluice demo`: an in-process demo that needs no external services. Simulated IoT sensors (with some
 * out-of-order and late readings mixed in) feed a pipeline that computes per-device 10 s statistics; results
 * and a status line (events/s, watermark lag, dead letters) are printed as they happen. Ctrl-C stops it.
 */
import { parseArgs } from "node:util";
import { avg, count, max, quantile } from "../aggregates/index.js";
import { generatorSource } from "../connectors/generator-source.js";
import { SystemClock } from "../core/clock.js";
import { Pipeline } from "../dataflow/pipeline.js";
import { MemoryDeadLetterLedger } from "../runtime/dead-letter.js";
import { stdout } from "../sinks/stdout-sink.js";
import { tumbling } from "../windows/window-assigner.js";
import { OptionError, parseInteger } from "./integer-option.js";
import type { CommandIo } from "./nexmark-run.js";

export const DEMO_USAGE = `Usage: sluice demo [options]

Runs the demo pipelines in-process, fed by generators; no external services needed.

Options:
  --rate N          sensor readings per second (default 200)
  --seconds N       stop after N seconds (default: run until Ctrl-C)
  -h, --help        show this help
`;

interface Reading {
  deviceId: string;
  temp: number;
  ts: number;
}

export async function runDemo(argv: string[], io: CommandIo): Promise<number> {
  let rate = 200;
  let seconds: number | undefined;
  try {
    const { values } = parseArgs({
      args: argv,
      strict: true,
      options: {
        rate: { type: "string" },
        seconds: { type: "string" },
        port: { type: "string" },
        data: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    });
    if (values.help) {
      io.stdout.write(DEMO_USAGE);
      return 0;
    }
    if (values.rate !== undefined) rate = parseInteger(values.rate, "--rate", 1);
    if (values.seconds !== undefined) seconds = parseInteger(values.seconds, "--seconds", 1);
  } catch (error) {
    if (error instanceof OptionError || (error as { code?: string }).code?.startsWith("ERR_PARSE_ARGS")) {
      io.stderr.write(`sluice demo: ${(error as Error).message}\n\n${DEMO_USAGE}`);
      return 2;
    }
    throw error;
  }

  const clock = new SystemClock();
  const deadLetters = new MemoryDeadLetterLedger();
  const p = new Pipeline("iot");
  p.source(
    "readings",
    generatorSource<Reading>({
      ratePerSecond: rate,
      seed: 7,
      make: (i, rng, now) => {
        const device = i % 20;
        const lateBy = rng.next() < 0.01 ? 60_000 : Math.floor(rng.next() * 3000); // 1% arrive a minute late
        const spike = rng.next() < 0.002 ? 25 : 0;
        return {
          deviceId: `sensor-${String(device).padStart(2, "0")}`,
          temp: rng.gaussian(20 + device / 4, 0.8) + spike,
          ts: now - lateBy,
        };
      },
    }),
  )
    .withEventTime((r) => r.ts, { maxOutOfOrderness: "5s", idleTimeout: "30s" })
    .keyBy((r) => r.deviceId)
    .window(tumbling("10s"), { id: "device-stats" })
    .aggregate({
      n: count(),
      avgTemp: avg((r: Reading) => r.temp),
      p95Temp: quantile((r: Reading) => r.temp, 0.95),
      maxTemp: max((r: Reading) => r.temp),
    })
    .to(
      stdout({
        out: io.stdout,
        format: (r) =>
          `${new Date(r.windowStart).toISOString().slice(11, 19)} ${r.key}  n=${r.n}  avg=${r.avgTemp?.toFixed(2)}  ` +
          `p95=${r.p95Temp?.toFixed(2)}  max=${r.maxTemp?.toFixed(2)}`,
      }),
    );
  const job = p.start({ clock, deadLetters });
  io.stderr.write(`sluice demo: ${rate} sensor readings/s → per-device 10 s stats (Ctrl-C to stop)\n`);
  let lastIn = 0;
  const status = setInterval(() => {
    const steps = job.status();
    const source = steps[0]!;
    const window = steps.find((s) => s.id === "device-stats")!;
    const lag =
      typeof window.watermark === "number" ? ((clock.now() - window.watermark) / 1000).toFixed(1) : "-";
    io.stderr.write(
      `[status] ${((source.recordsOut - lastIn) / 5).toFixed(0)} events/s  watermark lag ${lag} s  ` +
        `dead letters ${deadLetters.entries.length} (late ${deadLetters.entries.filter((d) => d.reason === "late").length})\n`,
    );
    lastIn = source.recordsOut;
  }, 5000);
  const stop = () => void job.stop();
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  if (seconds !== undefined) setTimeout(stop, seconds * 1000);
  try {
    await job.done;
  } finally {
    clearInterval(status);
    process.off("SIGINT", stop);
    process.off("SIGTERM", stop);
  }
  return 0;
}
