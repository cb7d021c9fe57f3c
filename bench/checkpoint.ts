/**
 * Checkpoint benchmark: what durable checkpoints cost and how fast a killed job comes back.
 * 1. Nexmark q5 and q8 throughput with checkpoints every second on the embedded store vs. without, each run
 *    in its own Node process after a warm-up, interleaved, best of K; the slowdown in percent.
 * 2. The duration and bytes of each checkpoint commit during those durable runs (p50, p99, max).
 * 3. Recovery: a job counting per key over 1,000,000 keys is killed (SIGKILL) once a checkpoint holding every
 *    key has committed; a new process resumes it. Time from process start to the first batch processed after
 *    the restore, measured inside the child and as the parent's wall time from spawn.
 * Figures are printed and written to bench/results/checkpoint.json.
 *
 *   npm run bench:checkpoint -- [--events N] [--queries q5,q8] [--repeat K] [--keys N] [--recoveries K]
 *                               [--skip-throughput] [--skip-recovery] [--profile]
 *
 * Children import the engine dynamically, so a resuming child's clock starts before any Sluice module loads.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import type { Pipeline } from "../src/dataflow/pipeline.js";
import type { Sink } from "../src/sinks/sink.js";
import { numberOption, readCommandLine } from "./command-line.js";

const V8_FLAGS = ["--max-semi-space-size=64"];
const RECOVERY_PIPELINE = "bench-recovery";
const WARMUP_EVENTS = 300_000;

/** One child's throughput run. */
interface ThroughputRun {
  readonly query: string;
  readonly checkpoints: "off" | "1s";
  readonly events: number;
  readonly rows: number;
  readonly seconds: number;
  readonly eventsPerSecond: number;
  /** CPU time of the process over the run (user + system, all threads, GC and SQLite included). */
  readonly cpuSeconds: number;
  /** Durations (ms) and bytes of each periodic commit; the final one (end of input) is apart. */
  readonly commitMs: number[];
  readonly commitBytes: number[];
  /** Per periodic checkpoint, the steps' snapshots at the barrier (ms), taken before the commit. */
  readonly snapshotMs: number[];
  readonly finalCommit?: { readonly ms: number; readonly bytes: number };
}

/** What a resuming child reports, all in ms. */
interface ResumeReport {
  /** performance.now() at "resumed": since the Node process started (bootstrap included). */
  readonly sinceProcessStart: number;
  /** From the first line the child runs (process.hrtime) to "resumed". */
  readonly sinceFirstLine: number;
  readonly loadModules: number;
  readonly openStore: number;
  /** Time spent in SqliteStateBackend.reload, and how many times it ran. */
  readonly stateLoad: number;
  readonly stateLoads: number;
  /** startDurable: recover (state load), job construction, operator restore, source open. */
  readonly startJob: number;
  /** From the job's start to the end of the first batch processed after the restore. */
  readonly firstBatch: number;
  readonly resumedFrom: number | undefined;
  readonly position: number;
  /** Keys in the count table after the state was loaded, and once the job had started from the checkpoint. */
  readonly keysLoaded: number;
  readonly keysAfterStart: number;
  /** The first count emitted after the restore equals the one an uninterrupted run would emit. */
  readonly countsContinue: boolean;
}

interface RecoveryRun extends ResumeReport {
  /** Parent's wall time from spawning the resuming child to its "resumed" line. */
  readonly wall: number;
  /** What the killed child had committed when it was killed. */
  readonly killedAfterCheckpoint: number;
  readonly killedAtPosition: number;
  /** Duration of the commit that held every key (ms) and its bytes. */
  readonly fullCommitMs: number;
  readonly fullCommitBytes: number;
}

const msSince = (start: bigint): number => Number(process.hrtime.bigint() - start) / 1e6;

// ---- children ----

async function throughputChild(
  query: string,
  events: number,
  checkpoints: "off" | "1s",
): Promise<ThroughputRun> {
  const { nexmarkPipeline } = await import("../src/nexmark/run-query.js");
  const { startDurable } = await import("../src/checkpoint/durable-run.js");
  const { EmbeddedStore } = await import("../src/store/index.js");
  const { discard } = await import("../src/sinks/count-sink.js");
  const { StepNode } = await import("../src/runtime/step-node.js");
  // Instrumentation only: a barrier snapshots its steps by nested calls from each source; time the outermost.
  let snapshotDepth = 0;
  let snapshotMs = 0;
  const takeSnapshot = StepNode.prototype.takeSnapshot;
  StepNode.prototype.takeSnapshot = function (this: InstanceType<typeof StepNode>, checkpointId: number) {
    const t = snapshotDepth++ === 0 ? process.hrtime.bigint() : undefined;
    try {
      takeSnapshot.call(this, checkpointId);
    } finally {
      snapshotDepth--;
      if (t !== undefined) snapshotMs += msSince(t);
    }
  };

  // As runNexmarkQuery with `data` (store opened inside the timing), but keeping every commit's figures.
  const run = async (n: number, interval: number): Promise<ThroughputRun> => {
    const sink = discard<unknown>();
    const pipeline = nexmarkPipeline({ query, events: n }, sink as Sink<never>);
    const commitMs: number[] = [];
    const commitBytes: number[] = [];
    const snapshots: number[] = [];
    snapshotMs = 0;
    let finalCommit: { ms: number; bytes: number } | undefined;
    const dir = checkpoints === "off" ? undefined : mkdtempSync(join(tmpdir(), "sluice-bench-cp-"));
    const started = process.hrtime.bigint();
    const cpuStarted = process.cpuUsage();
    try {
      if (dir === undefined) {
        await pipeline.run();
      } else {
        const store = new EmbeddedStore(dir, { durability: "process" });
        try {
          const { job } = startDurable(pipeline, {
            store,
            checkpointInterval: interval,
            onCommitted: (checkpoint, ms) => {
              const bytes = store.checkpoints.stats(pipeline.name).lastBytes;
              if (checkpoint.final === true) finalCommit = { ms, bytes };
              else {
                commitMs.push(ms);
                commitBytes.push(bytes);
                snapshots.push(snapshotMs);
              }
              snapshotMs = 0;
            },
          });
          await job.done;
        } finally {
          store.close();
        }
      }
    } finally {
      if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
    }
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const cpu = process.cpuUsage(cpuStarted);
    return {
      query,
      checkpoints,
      events: n,
      rows: sink.count,
      seconds,
      eventsPerSecond: n / seconds,
      cpuSeconds: (cpu.user + cpu.system) / 1e6,
      commitMs,
      commitBytes,
      snapshotMs: snapshots,
      ...(finalCommit === undefined ? {} : { finalCommit }),
    };
  };
  // The warm-up checkpoints often, so the commit path is compiled too.
  await run(Math.min(events, WARMUP_EVENTS), 50);
  return run(events, 1000);
}

/** The recovery job: an endless stream of record numbers i, keyed by i mod keys, counting per key. */
async function recoveryPipeline(keys: number, sink: Sink<number>): Promise<Pipeline> {
  const { Pipeline } = await import("../src/dataflow/pipeline.js");
  const { generatorSource } = await import("../src/connectors/generator-source.js");
  const p = new Pipeline(RECOVERY_PIPELINE);
  p.source("numbers", generatorSource({ make: (i) => i, batchSize: 1024 }))
    .keyBy((i) => i % keys, { id: "by-key" })
    .process<number>(
      {
        onRecord(_i, ctx) {
          const count = ctx.value<number>("count");
          const n = (count.get() ?? 0) + 1;
          count.set(n);
          ctx.emit(n);
        },
      },
      { id: "count" },
    )
    .to(sink, { id: "counts" });
  return p;
}

/** Runs the recovery job until killed, printing `committed {...}` after each checkpoint commit. */
async function recoveryWriterChild(dir: string, keys: number): Promise<void> {
  const { startDurable } = await import("../src/checkpoint/durable-run.js");
  const { EmbeddedStore } = await import("../src/store/index.js");
  const store = new EmbeddedStore(dir, { durability: "process" });
  const pipeline = await recoveryPipeline(keys, { kind: "discard", write() {} });
  const { job } = startDurable(pipeline, {
    store,
    fresh: true,
    checkpointInterval: 1000,
    onCommitted: (checkpoint, ms) => {
      const position = checkpoint.sources.numbers as number;
      const bytes = store.checkpoints.stats(pipeline.name).lastBytes;
      process.stdout.write(`committed ${JSON.stringify({ id: checkpoint.id, position, ms, bytes })}\n`);
    },
  });
  await job.done;
}

/** Resumes the recovery job; prints `resumed {...}` once the first batch after the restore is processed. */
async function recoveryResumeChild(dir: string, keys: number, firstLine: bigint): Promise<void> {
  let mark = firstLine;
  const lap = (): number => {
    const now = process.hrtime.bigint();
    const ms = Number(now - mark) / 1e6;
    mark = now;
    return ms;
  };
  const { startDurable } = await import("../src/checkpoint/durable-run.js");
  const { EmbeddedStore, SqliteStateBackend } = await import("../src/store/index.js");
  // Instrumentation only: time every state load, however many times the store asks for one.
  let stateLoad = 0;
  let stateLoads = 0;
  let keysLoaded = 0;
  const reload = SqliteStateBackend.prototype.reload;
  SqliteStateBackend.prototype.reload = function (this: InstanceType<typeof SqliteStateBackend>) {
    const t = process.hrtime.bigint();
    try {
      reload.call(this);
    } finally {
      stateLoad += msSince(t);
      stateLoads++;
    }
    keysLoaded = this.table("count", "value:count").size;
  };
  let firstCount: number | undefined;
  let resolveFirst!: () => void;
  const firstBatch = new Promise<void>((resolve) => {
    resolveFirst = resolve;
  });
  const pipeline = await recoveryPipeline(keys, {
    kind: "bench",
    write(items) {
      if (firstCount !== undefined) return;
      firstCount = items[0];
      resolveFirst();
    },
  });
  const loadModules = lap();

  const store = new EmbeddedStore(dir, { durability: "process" });
  const openStore = lap();
  const { job, resumedFrom } = startDurable(pipeline, { store, checkpointInterval: 1000 });
  const startJob = lap();
  const keysAfterStart = store.stateBackend(pipeline.name).table("count", "value:count").size;
  await firstBatch;
  const firstBatchMs = lap();
  const sinceProcessStart = performance.now();
  const sinceFirstLine = msSince(firstLine);

  const latest = store.checkpoints.latest(pipeline.name);
  // The first record after the restore is number `position`: an uninterrupted run counts it as this.
  const position = (latest?.manifest.sources.numbers as number | undefined) ?? 0;
  const report: ResumeReport = {
    sinceProcessStart,
    sinceFirstLine,
    loadModules,
    openStore,
    stateLoad,
    stateLoads,
    startJob,
    firstBatch: firstBatchMs,
    resumedFrom,
    position,
    keysLoaded,
    keysAfterStart,
    countsContinue: firstCount === Math.floor(position / keys) + 1,
  };
  process.stdout.write(`resumed ${JSON.stringify(report)}\n`);
  await job.stop();
  store.close();
}

// ---- parent ----

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

function runThroughputChild(
  self: string,
  query: string,
  events: number,
  checkpoints: "off" | "1s",
): ThroughputRun {
  const r = spawnSync(
    process.execPath,
    [
      ...V8_FLAGS,
      self,
      "--child",
      "throughput",
      "--query",
      query,
      "--checkpoints",
      checkpoints,
      "--events",
      String(events),
    ],
    { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"], maxBuffer: 64 * 1024 * 1024 },
  );
  if (r.status !== 0)
    throw new Error(`${query} (checkpoints ${checkpoints}) failed with exit code ${r.status}`);
  return JSON.parse(r.stdout.trim().split("\n").pop()!) as ThroughputRun;
}

/** Waits for the first line of a child's stdout that starts with `prefix`; rejects if it exits first. */
function lineFrom(child: ChildProcess, prefix: string, accept: (rest: string) => boolean = () => true) {
  return new Promise<{ rest: string; at: number }>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    const onExit = (code: number | null, signal: string | null) =>
      reject(new Error(`child exited (code ${code}, signal ${signal}) before printing "${prefix}"`));
    child.once("exit", onExit);
    lines.on("line", (line) => {
      const at = performance.now();
      if (!line.startsWith(`${prefix} `)) return;
      const rest = line.slice(prefix.length + 1);
      if (!accept(rest)) return;
      child.off("exit", onExit);
      lines.close();
      resolve({ rest, at });
    });
  });
}

const exited = (child: ChildProcess) =>
  new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once("exit", () => resolve());
  });

async function recoveryRun(self: string, keys: number, profile: boolean): Promise<RecoveryRun> {
  const dir = mkdtempSync(join(tmpdir(), "sluice-bench-recovery-"));
  try {
    const writer = spawn(
      process.execPath,
      [...V8_FLAGS, self, "--child", "recovery-writer", "--data", dir, "--keys", String(keys)],
      { stdio: ["ignore", "pipe", "inherit"] },
    );
    const full = await lineFrom(
      writer,
      "committed",
      (rest) => (JSON.parse(rest) as { position: number }).position >= keys,
    );
    writer.kill("SIGKILL");
    await exited(writer);
    const killed = JSON.parse(full.rest) as { id: number; position: number; ms: number; bytes: number };

    const profileFlags = profile ? ["--cpu-prof", "--cpu-prof-dir=bench/results/profiles"] : [];
    const spawned = performance.now();
    const resumer = spawn(
      process.execPath,
      [
        ...V8_FLAGS,
        ...profileFlags,
        self,
        "--child",
        "recovery-resume",
        "--data",
        dir,
        "--keys",
        String(keys),
      ],
      { stdio: ["ignore", "pipe", "inherit"] },
    );
    const resumed = await lineFrom(resumer, "resumed");
    const wall = resumed.at - spawned;
    await exited(resumer);
    if (resumer.exitCode !== 0) throw new Error(`resuming child failed with exit code ${resumer.exitCode}`);
    const report = JSON.parse(resumed.rest) as ResumeReport;
    if (report.resumedFrom === undefined)
      throw new Error("the resuming child did not resume from a checkpoint");
    return {
      ...report,
      wall,
      killedAfterCheckpoint: killed.id,
      killedAtPosition: killed.position,
      fullCommitMs: killed.ms,
      fullCommitBytes: killed.bytes,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const fmt = (n: number): string => Math.round(n).toLocaleString("en-US");
const kb = (bytes: number): string =>
  bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(1)} MB` : `${Math.round(bytes / 1024)} KB`;

const HELP = `npm run bench:checkpoint -- [options]

What durable checkpoints cost (Nexmark throughput with checkpoints every second against none, and each
commit's duration and bytes), and how fast a job killed with SIGKILL comes back. Writes
bench/results/checkpoint.json.

  --events N          Nexmark events per throughput run (default 10000000)
  --queries LIST      queries to run (default q5,q8)
  --repeat K          runs per query and mode, interleaved; the best is reported (default 3)
  --keys N            keys the recovery job holds (default 1000000)
  --recoveries K      kill-and-resume rounds (default 3)
  --skip-throughput   only measure recovery
  --skip-recovery     only measure throughput
  --profile           run the children with --cpu-prof (profiles written to bench/results/)
  --help              this text
`;

const values = readCommandLine(HELP, {
  events: { type: "string", default: "10000000" },
  queries: { type: "string", default: "q5,q8" },
  repeat: { type: "string", default: "3" },
  keys: { type: "string", default: "1000000" },
  recoveries: { type: "string", default: "3" },
  "skip-throughput": { type: "boolean", default: false },
  "skip-recovery": { type: "boolean", default: false },
  profile: { type: "boolean", default: false },
  child: { type: "string" },
  query: { type: "string" },
  checkpoints: { type: "string" },
  data: { type: "string" },
});
const events = numberOption("--events", values.events, HELP);
const keys = numberOption("--keys", values.keys, HELP);

if (values.child === "throughput") {
  const run = await throughputChild(values.query!, events, values.checkpoints === "1s" ? "1s" : "off");
  process.stdout.write(`${JSON.stringify(run)}\n`);
} else if (values.child === "recovery-writer") {
  await recoveryWriterChild(values.data!, keys);
} else if (values.child === "recovery-resume") {
  await recoveryResumeChild(values.data!, keys, process.hrtime.bigint());
} else if (values.child !== undefined) {
  throw new Error(`unknown child "${values.child}"`);
} else {
  const self = fileURLToPath(import.meta.url);
  const repeat = numberOption("--repeat", values.repeat, HELP);
  const lines: string[] = [];
  process.stderr.write(
    `Checkpoints: ${events.toLocaleString("en-US")} events per run, best of ${repeat}, ${cpus().length} cores, ` +
      `load average ${loadavg()[0]!.toFixed(2)}\n`,
  );

  const throughput: unknown[] = [];
  if (!values["skip-throughput"]) {
    for (const query of values.queries.split(",")) {
      const off: ThroughputRun[] = [];
      const on: ThroughputRun[] = [];
      // Interleaved, so a noisy neighbour slows both settings alike.
      for (let i = 0; i < repeat; i++) {
        off.push(runThroughputChild(self, query, events, "off"));
        on.push(runThroughputChild(self, query, events, "1s"));
        process.stderr.write(
          `  ${query} run ${i + 1}: off ${fmt(off[i]!.eventsPerSecond)} ev/s, ` +
            `1s checkpoints ${fmt(on[i]!.eventsPerSecond)} ev/s (${on[i]!.commitMs.length} commits); ` +
            `CPU ${off[i]!.cpuSeconds.toFixed(2)} s vs ${on[i]!.cpuSeconds.toFixed(2)} s\n`,
        );
      }
      const best = (runs: ThroughputRun[]) =>
        runs.reduce((a, b) => (b.eventsPerSecond > a.eventsPerSecond ? b : a));
      const bestOff = best(off);
      const bestOn = best(on);
      const slowdown = (1 - bestOn.eventsPerSecond / bestOff.eventsPerSecond) * 100;
      // The medians too: on a noisy machine the best of a few runs can flatter either side.
      const median = (runs: ThroughputRun[]) =>
        percentile(
          runs.map((r) => r.eventsPerSecond).sort((a, b) => a - b),
          50,
        );
      const medianSlowdown = (1 - median(on) / median(off)) * 100;
      const leastCpu = (runs: ThroughputRun[]) => Math.min(...runs.map((r) => r.cpuSeconds));
      const extraCpu = (leastCpu(on) / leastCpu(off) - 1) * 100;
      // Commits of every durable run pooled, for more samples than one run's handful.
      const ms = on.flatMap((r) => r.commitMs).sort((a, b) => a - b);
      const bytes = on.flatMap((r) => r.commitBytes);
      const meanBytes = bytes.reduce((a, b) => a + b, 0) / Math.max(1, bytes.length);
      // The whole pause of a checkpoint: the steps' snapshots at the barrier, then the commit.
      const pauses = on
        .flatMap((r) => r.commitMs.map((c, i) => c + (r.snapshotMs[i] ?? 0)))
        .sort((a, b) => a - b);
      // Share of each durable run's wall time spent paused in checkpoints (median over runs): the floor of the
      // slowdown, and much steadier than throughput on a busy machine.
      const pausedPercent = percentile(
        on
          .map(
            (r) =>
              (r.commitMs.reduce((a, b) => a + b, 0) + r.snapshotMs.reduce((a, b) => a + b, 0)) /
              (r.seconds * 10),
          )
          .sort((a, b) => a - b),
        50,
      );
      const commits = {
        pausedPercent,
        count: ms.length,
        perRun: on.map((r) => r.commitMs.length),
        p50Ms: percentile(ms, 50),
        p99Ms: percentile(ms, 99),
        maxMs: ms[ms.length - 1] ?? Number.NaN,
        snapshotPlusCommitP50Ms: percentile(pauses, 50),
        snapshotPlusCommitP99Ms: percentile(pauses, 99),
        meanBytes,
        maxBytes: Math.max(0, ...bytes),
        final: on.map((r) => r.finalCommit),
      };
      throughput.push({
        query,
        off: {
          eventsPerSecond: bestOff.eventsPerSecond,
          median: median(off),
          runs: off.map((r) => Math.round(r.eventsPerSecond)),
        },
        checkpoints1s: {
          eventsPerSecond: bestOn.eventsPerSecond,
          median: median(on),
          runs: on.map((r) => Math.round(r.eventsPerSecond)),
        },
        slowdownPercent: slowdown,
        medianSlowdownPercent: medianSlowdown,
        cpuSeconds: { off: off.map((r) => r.cpuSeconds), checkpoints1s: on.map((r) => r.cpuSeconds) },
        extraCpuPercent: extraCpu,
        rows: bestOff.rows,
        rowsWithCheckpoints: bestOn.rows,
        commits,
      });
      if (bestOn.rows !== bestOff.rows) {
        process.stderr.write(
          `  warning: ${query} made ${bestOff.rows} rows without checkpoints, ${bestOn.rows} with\n`,
        );
      }
      lines.push(
        `${query.padEnd(3)} off ${fmt(bestOff.eventsPerSecond).padStart(9)} ev/s   1s checkpoints ` +
          `${fmt(bestOn.eventsPerSecond).padStart(9)} ev/s   ${(-slowdown).toFixed(1).padStart(5)}% ` +
          `(medians ${(-medianSlowdown).toFixed(1)}%, CPU time ${extraCpu >= 0 ? "+" : ""}${extraCpu.toFixed(1)}%)   ` +
          `checkpoint p50 ${commits.p50Ms.toFixed(1)} ms p99 ${commits.p99Ms.toFixed(1)} ms max ` +
          `${commits.maxMs.toFixed(1)} ms (${commits.count} commits, ${kb(meanBytes)} each; with the barrier's ` +
          `snapshots p50 ${commits.snapshotPlusCommitP50Ms.toFixed(1)} ms p99 ${commits.snapshotPlusCommitP99Ms.toFixed(1)} ms, ` +
          `paused ${pausedPercent.toFixed(1)}% of the run)`,
      );
    }
  }

  const recovery: RecoveryRun[] = [];
  if (!values["skip-recovery"]) {
    const recoveries = numberOption("--recoveries", values.recoveries, HELP);
    for (let i = 0; i < recoveries; i++) {
      const r = await recoveryRun(self, keys, values.profile);
      recovery.push(r);
      process.stderr.write(
        `  recovery ${i + 1}: ${(r.sinceProcessStart / 1000).toFixed(2)} s to resume ` +
          `(modules ${r.loadModules.toFixed(0)} ms, open ${r.openStore.toFixed(0)} ms, state load ` +
          `${r.stateLoad.toFixed(0)} ms in ${r.stateLoads} load(s), start ${r.startJob.toFixed(0)} ms, ` +
          `first batch ${r.firstBatch.toFixed(0)} ms), wall ${(r.wall / 1000).toFixed(2)} s; ` +
          `${fmt(r.keysLoaded)} keys loaded from checkpoint ${r.resumedFrom} at record ${fmt(r.position)}, ` +
          `${fmt(r.keysAfterStart)} once the job started${r.countsContinue ? "" : " — COUNTS DO NOT CONTINUE"}\n`,
      );
      if (r.keysLoaded !== keys) throw new Error(`recovery loaded ${r.keysLoaded} keys, not ${keys}`);
    }
    const median = (pick: (r: RecoveryRun) => number) =>
      percentile(
        recovery.map(pick).sort((a, b) => a - b),
        50,
      );
    lines.push(
      `recovery with ${fmt(keys)} keys: ${(median((r) => r.sinceProcessStart) / 1000).toFixed(2)} s to resume ` +
        `(state load ${(median((r) => r.stateLoad) / 1000).toFixed(2)} s), wall ` +
        `${(median((r) => r.wall) / 1000).toFixed(2)} s   (median of ${recovery.length}; ` +
        `commit of all keys ${(median((r) => r.fullCommitMs) / 1000).toFixed(2)} s, ${kb(median((r) => r.fullCommitBytes))})`,
    );
    const broken = recovery.filter((r) => !r.countsContinue || r.keysAfterStart < keys).length;
    if (broken > 0) {
      lines.push(
        `WARNING: in ${broken} of ${recovery.length} recoveries the resumed job did not continue the counts ` +
          `(keyed state after start: ${recovery.map((r) => fmt(r.keysAfterStart)).join(", ")} keys)`,
      );
    }
  }

  process.stdout.write(`${lines.join("\n")}\n`);
  mkdirSync("bench/results", { recursive: true });
  const file = "bench/results/checkpoint.json";
  writeFileSync(
    file,
    `${JSON.stringify(
      {
        date: new Date().toISOString(),
        node: process.version,
        cores: cpus().length,
        loadAverage: loadavg(),
        events,
        repeat,
        keys,
        throughput,
        recovery,
      },
      null,
      2,
    )}\n`,
  );
  process.stderr.write(`figures written to ${file}\n`);
}
