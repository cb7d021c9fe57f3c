/**
 * Nexmark benchmark: events/s of every query in-process over the in-process generator, plus the generator
 * alone as a baseline. Each query runs in its own Node process (after a short warm-up run), so one query's
 * heap and JIT state do not colour the next. Figures are printed and written to bench/results/nexmark.json.
 *
 *   npm run bench:nexmark -- [--events N] [--queries q0,q5] [--repeat K]
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { fileURLToPath } from "node:url";
import { NexmarkGenerator } from "../src/nexmark/generator.js";
import type { NexmarkEvent } from "../src/nexmark/model.js";
import { NEXMARK_QUERIES } from "../src/nexmark/queries/index.js";
import { runNexmarkQuery } from "../src/nexmark/run-query.js";
import { numberOption, readCommandLine } from "./command-line.js";

const V8_FLAGS = ["--max-semi-space-size=64"];

interface Figure {
  readonly name: string;
  readonly events: number;
  readonly rows: number;
  readonly seconds: number;
  readonly eventsPerSecond: number;
}

function generatorOnly(events: number): Figure {
  const g = new NexmarkGenerator({ events });
  const out: NexmarkEvent[] = [];
  const times: number[] = [];
  const started = process.hrtime.bigint();
  let total = 0;
  for (;;) {
    out.length = 0;
    times.length = 0;
    const n = g.fill(out, times, 4096);
    if (n === 0) break;
    total += n;
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return { name: "generator", events: total, rows: total, seconds, eventsPerSecond: total / seconds };
}

async function child(name: string, events: number): Promise<Figure> {
  const warmup = Math.min(events, 300_000);
  if (name === "generator") {
    generatorOnly(warmup);
    return generatorOnly(events);
  }
  await runNexmarkQuery({ query: name, events: warmup });
  const r = await runNexmarkQuery({ query: name, events });
  return { name, events, rows: r.rows, seconds: r.seconds, eventsPerSecond: r.eventsPerSecond };
}

const HELP = `npm run bench:nexmark -- [options]

Events/s of every Nexmark query in-process over the in-process generator, and of the generator alone; each
query in its own Node process after a warm-up run. Writes bench/results/nexmark.json.

  --events N        events per run (default 5000000)
  --queries LIST    what to run (default generator,${Object.keys(NEXMARK_QUERIES).join(",")})
  --repeat K        runs of each, interleaved; best and all runs reported (default 1)
  --help            this text
`;

const values = readCommandLine(HELP, {
  events: { type: "string", default: "5000000" },
  queries: { type: "string", default: ["generator", ...Object.keys(NEXMARK_QUERIES)].join(",") },
  repeat: { type: "string", default: "1" },
  child: { type: "string" },
});
const events = numberOption("--events", values.events, HELP);

if (values.child !== undefined) {
  process.stdout.write(`${JSON.stringify(await child(values.child, events))}\n`);
} else {
  const self = fileURLToPath(import.meta.url);
  const names = values.queries.split(",");
  const repeat = numberOption("--repeat", values.repeat, HELP);
  const figures: Array<Figure & { runs: number[] }> = [];
  process.stderr.write(
    `Nexmark, ${events.toLocaleString("en-US")} events per run, best of ${repeat}, ${cpus().length} cores\n`,
  );
  for (const name of names) {
    const runs: Figure[] = [];
    for (let i = 0; i < repeat; i++) {
      const r = spawnSync(
        process.execPath,
        [...V8_FLAGS, self, "--child", name, "--events", String(events)],
        {
          encoding: "utf8",
          stdio: ["ignore", "pipe", "inherit"],
        },
      );
      if (r.status !== 0) throw new Error(`${name} failed with exit code ${r.status}`);
      runs.push(JSON.parse(r.stdout.trim().split("\n").pop()!) as Figure);
    }
    const best = runs.reduce((a, b) => (b.eventsPerSecond > a.eventsPerSecond ? b : a));
    figures.push({ ...best, runs: runs.map((r) => Math.round(r.eventsPerSecond)) });
    process.stdout.write(
      `${name.padEnd(10)} ${Math.round(best.eventsPerSecond).toLocaleString("en-US").padStart(12)} events/s` +
        `  (${best.rows.toLocaleString("en-US")} rows, ${best.seconds.toFixed(2)} s)\n`,
    );
  }
  mkdirSync("bench/results", { recursive: true });
  const file = "bench/results/nexmark.json";
  writeFileSync(
    file,
    `${JSON.stringify({ date: new Date().toISOString(), node: process.version, events, repeat, figures }, null, 2)}\n`,
  );
  process.stderr.write(`figures written to ${file}\n`);
}
