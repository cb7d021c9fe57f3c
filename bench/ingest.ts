/**
 * Ingest benchmark: how many events/s the HTTP server accepts durably, and how long an event takes from its
 * ingest request to a view change on the Server-Sent Events stream.
 * 1. Throughput: a server (createServer over an EmbeddedStore in a temp dir, one declared stream) runs in a
 *    child process; this process sends NDJSON batches over several keep-alive connections (undici Pool) as
 *    fast as the server answers, for a duration. Only records a 2xx reply acknowledged count; at the end the
 *    log's record count must equal them. Reports events/s, MB/s and request latency p50/p99.
 * 2. End to end (`--e2e`): the child also runs a durable pipeline (stored stream → filter → map → view) with a
 *    short checkpoint interval; this process sends at a steady rate (paced batches, each record stamped with
 *    its send time) and subscribes to `/v1/views/:view/changes`; each change's latency is its receive time
 *    minus the send stamp of its batch. Reports p50/p99/max per checkpoint interval.
 *
 *   npm run bench:ingest -- [--duration 10] [--connections 4] [--batch 1000] [--shape sensor|click]
 *                           [--durability process|machine] [--ndjson-worker] [--repeat 1] [--e2e] [--rate 50000]
 *                           [--intervals 5,10,20,50] [--idle-checkpoint MS] [--json] [--profile]
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { Pool } from "undici";
import type { RunningPipeline } from "../src/server/running-pipeline.js";
import type { JsonSchema } from "../src/server/stream-definition.js";
import { numberOption, readCommandLine, usageError } from "./command-line.js";

const STREAM = "events";
const VIEW = "batch_latency";

const HELP = `npm run bench:ingest -- [options]

Throughput of durable HTTP ingest (NDJSON batches over several connections), and with --e2e the latency
from an ingest request to the view change seen by a Server-Sent Events subscriber.

  --duration S        seconds of load per run (default 10; e2e: per checkpoint interval)
  --connections N     keep-alive connections sending batches concurrently (default 4)
  --batch N           records per request (default 1000)
  --shape NAME        record shape: sensor (7 fields) or click (8 fields, one nested) (default sensor)
  --durability MODE   process (default) or machine (fsync per commit)
  --ndjson-worker     the server reads NDJSON bodies in a worker thread (createServer's ndjsonWorker: true)
  --repeat K          runs, each with a fresh server and data directory; best and median reported (default 1)
  --e2e               measure end-to-end latency instead of throughput
  --rate N            e2e: events/s sent at a steady pace (default 50000)
  --intervals LIST    e2e: checkpoint intervals in ms to try (default 5,10,20,50)
  --idle-checkpoint MS  e2e: the pipeline also checkpoints once it caught up, MS after the previous
                      checkpoint at the earliest (startDurable's idleCheckpointPause; default: off)
  --json              print one JSON object instead of the table
  --profile           run the server with --cpu-prof (profile written to bench/results/)
  --help              this text
`;

// ---- records ----

interface Shape {
  readonly schema: JsonSchema;
  readonly eventTime: string;
  /** The record for sequence number i, with the given send stamp (ms). */
  readonly record: (i: number, sentAt: number) => Record<string, unknown>;
}

const BASE_TIME = Date.UTC(2026, 10, 1);
const STATUSES = ["ok", "warn", "fault"];
const PAGES = ["/", "/pricing", "/docs", "/blog/launch", "/signup", "/cart", "/checkout"];

const SHAPES: Record<string, Shape> = {
  sensor: {
    schema: {
      type: "object",
      properties: {
        deviceId: { type: "string", minLength: 1, maxLength: 64 },
        site: { type: "string" },
        ts: { type: "integer", minimum: 0 },
        temp: { type: "number", minimum: -100, maximum: 1000 },
        humidity: { type: "number", minimum: 0, maximum: 100 },
        battery: { type: "integer", minimum: 0, maximum: 100 },
        status: { type: "string", enum: STATUSES },
        sentAt: { type: "number" },
      },
      required: ["deviceId", "ts", "temp", "status"],
      additionalProperties: false,
    },
    eventTime: "ts",
    record: (i, sentAt) => ({
      deviceId: `device-${(i * 7919) % 10_000}`,
      site: `site-${i % 37}`,
      ts: BASE_TIME + i * 10,
      temp: Math.round((18 + ((i * 31) % 200) / 10) * 100) / 100,
      humidity: (i * 13) % 100,
      battery: 100 - (i % 100),
      status: STATUSES[i % 97 === 0 ? 2 : i % 13 === 0 ? 1 : 0]!,
      sentAt,
    }),
  },
  click: {
    schema: {
      type: "object",
      properties: {
        user: { type: "string", minLength: 1 },
        session: { type: "string" },
        page: { type: "string" },
        referrer: { type: ["string", "null"] },
        ts: { type: "integer", minimum: 0 },
        durationMs: { type: "integer", minimum: 0 },
        device: {
          type: "object",
          properties: { os: { type: "string" }, browser: { type: "string" }, mobile: { type: "boolean" } },
          required: ["os"],
        },
        sentAt: { type: "number" },
      },
      required: ["user", "page", "ts"],
    },
    eventTime: "ts",
    record: (i, sentAt) => ({
      user: `user-${(i * 104_729) % 50_000}`,
      session: `s-${Math.floor(i / 20).toString(36)}`,
      page: PAGES[i % PAGES.length]!,
      referrer: i % 3 === 0 ? null : "https://example.com/search?q=sluice",
      ts: BASE_TIME + i * 10,
      durationMs: (i * 37) % 30_000,
      device: { os: i % 2 === 0 ? "linux" : "ios", browser: "firefox", mobile: i % 2 === 1 },
      sentAt,
    }),
  },
};

function ndjsonBatch(shape: Shape, first: number, count: number, sentAt: number): string {
  let out = "";
  for (let i = 0; i < count; i++) out += `${JSON.stringify(shape.record(first + i, sentAt))}\n`;
  return out;
}

// ---- the server child ----

interface ServeOptions {
  readonly shape: string;
  readonly durability: "process" | "machine";
  /** Read NDJSON bodies in the server's worker thread (createServer's `ndjsonWorker`). */
  readonly ndjsonWorker: boolean;
  /** Checkpoint interval of the e2e pipeline; absent: no pipeline. */
  readonly checkpointInterval?: number;
  /** The e2e pipeline's idleCheckpointPause (absent: off). */
  readonly idleCheckpointPause?: number;
}

async function serve(options: ServeOptions): Promise<void> {
  const { EmbeddedStore } = await import("../src/store/index.js");
  const { createServer } = await import("../src/server/server.js");
  const { defineStream } = await import("../src/server/stream-definition.js");
  const shape = SHAPES[options.shape]!;
  const dir = mkdtempSync(join(tmpdir(), "sluice-bench-ingest-"));
  const store = new EmbeddedStore(dir, { durability: options.durability });
  const stream = defineStream({
    name: STREAM,
    schema: shape.schema,
    key: Object.keys(shape.schema.properties as object)[0]!,
    eventTime: shape.eventTime,
    cleanse: { trim: true },
  });
  const pipelines: RunningPipeline[] = [];
  if (options.checkpointInterval !== undefined) {
    const { Pipeline } = await import("../src/dataflow/pipeline.js");
    const { storedStream } = await import("../src/connectors/stored-stream.js");
    const { view } = await import("../src/sinks/view-sink.js");
    const { startDurable } = await import("../src/checkpoint/durable-run.js");
    // One row per request: every record of a batch carries the batch's send stamp, so the row's change on
    // the SSE stream tells when the batch's records became visible.
    const p = new Pipeline("bench-e2e");
    p.source("events", storedStream<Record<string, unknown>>(STREAM))
      .filter((r) => typeof r.sentAt === "number")
      .map((r) => ({ key: r.sentAt as number, sentAt: r.sentAt as number }))
      .to(view(VIEW));
    const { job } = startDurable(p, {
      store,
      checkpointInterval: options.checkpointInterval,
      ...(options.idleCheckpointPause === undefined
        ? {}
        : { idleCheckpointPause: options.idleCheckpointPause }),
    });
    pipelines.push({ pipeline: p, job });
  }
  const server = createServer({
    store,
    streams: [stream],
    pipelines,
    bodyLimit: 64 * 1024 * 1024,
    ndjsonWorker: options.ndjsonWorker,
  });
  const { url } = await server.listen();
  const stop = async () => {
    await server.close();
    for (const { job } of pipelines) await job.stop();
    const info = store.log.streams().find((s) => s.name === STREAM);
    process.stdout.write(`${JSON.stringify({ stopped: true, records: info?.records ?? 0 })}\n`);
    store.close();
    rmSync(dir, { recursive: true, force: true });
    process.exit(0);
  };
  createInterface({ input: process.stdin }).on("line", (line) => {
    if (line.trim() === "stop") void stop();
    if (line.trim() === "cpu") {
      const { user, system } = process.cpuUsage();
      process.stdout.write(`${JSON.stringify({ cpuMicros: user + system })}\n`);
    }
  });
  process.stdout.write(`${JSON.stringify({ url })}\n`);
}

/** A running server child: its url, and `stop()` → the records in its log. */
interface ServerChild {
  readonly url: string;
  /** CPU time (user + system, all threads) the server process has used so far, in µs. */
  cpu(): Promise<number>;
  stop(): Promise<number>;
}

async function startServerChild(options: ServeOptions, profile: boolean): Promise<ServerChild> {
  const self = fileURLToPath(import.meta.url);
  const args = [
    // Node's own heap settings, as `sluice run` has: a larger young generation (--max-semi-space-size=64)
    // made scavenges rarer but longer, and the end-to-end p99 worse (25-31 ms against 20-26 ms).
    ...(profile ? ["--cpu-prof", "--cpu-prof-dir=bench/results"] : []),
    self,
    "--serve",
    "--shape",
    options.shape,
    "--durability",
    options.durability,
    ...(options.ndjsonWorker ? ["--ndjson-worker"] : []),
    ...(options.checkpointInterval === undefined ? [] : ["--interval", String(options.checkpointInterval)]),
    ...(options.idleCheckpointPause === undefined
      ? []
      : ["--idle-checkpoint", String(options.idleCheckpointPause)]),
  ];
  const child: ChildProcess = spawn(process.execPath, args, { stdio: ["pipe", "pipe", "inherit"] });
  // The server never outlives the benchmark, even when it fails.
  const killChild = () => child.kill("SIGKILL");
  process.once("exit", killChild);
  child.once("exit", () => process.removeListener("exit", killChild));
  const lines = createInterface({ input: child.stdout! });
  const waiters: Array<(line: Record<string, unknown>) => void> = [];
  lines.on("line", (line) => {
    let value: Record<string, unknown>;
    try {
      value = JSON.parse(line) as Record<string, unknown>;
    } catch {
      process.stderr.write(`server: ${line}\n`);
      return;
    }
    waiters.shift()?.(value);
  });
  const nextLine = () =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      waiters.push(resolve);
      child.once("exit", (code) => reject(new Error(`the server exited with code ${code}`)));
    });
  const { url } = (await nextLine()) as { url: string };
  return {
    url,
    async cpu() {
      const reply = nextLine();
      child.stdin!.write("cpu\n");
      return ((await reply) as { cpuMicros: number }).cpuMicros;
    },
    async stop() {
      const done = nextLine();
      child.stdin!.write("stop\n");
      const { records } = (await done) as { records: number };
      await new Promise((resolve) => (child.exitCode === null ? child.once("exit", resolve) : resolve(0)));
      return records;
    },
  };
}

// ---- throughput ----

interface ThroughputRun {
  readonly seconds: number;
  readonly requests: number;
  readonly accepted: number;
  readonly failed: number;
  readonly eventsPerSecond: number;
  readonly megabytesPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  /** Records in the log after the run: must equal `accepted`. */
  readonly logRecords: number;
  /** The server process's CPU time per accepted record (all threads), µs: steadier than events/s when shared. */
  readonly serverCpuMicrosPerEvent: number;
  /** The server process's CPU use over the run, in cores. */
  readonly serverCores: number;
  /**
   * This process's CPU time per accepted record, µs: the load generator shares the machine's cores with the
   * server (its loopback TCP work included).
   */
  readonly clientCpuMicrosPerEvent: number;
  readonly clientCores: number;
}

function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

async function throughputRun(
  options: ServeOptions & { connections: number; batch: number },
  seconds: number,
  profile: boolean,
): Promise<ThroughputRun> {
  const shape = SHAPES[options.shape]!;
  // Distinct bodies, cycled: building them is not part of the measurement.
  const bodies: Buffer[] = [];
  for (let b = 0; b < 16; b++) {
    bodies.push(Buffer.from(ndjsonBatch(shape, b * options.batch, options.batch, 0)));
  }
  const server = await startServerChild(options, profile);
  const url = new URL(server.url);
  const pool = new Pool(url.origin, { connections: options.connections, pipelining: 1 });
  const path = `/v1/streams/${STREAM}/events`;
  const send = async (body: Buffer): Promise<{ accepted: number; ok: boolean }> => {
    const response = await pool.request({
      method: "POST",
      path,
      headers: { "content-type": "application/x-ndjson" },
      body,
    });
    const text = await response.body.text();
    if (response.statusCode < 200 || response.statusCode >= 300) return { accepted: 0, ok: false };
    return { accepted: (JSON.parse(text) as { accepted: number }).accepted, ok: true };
  };
  // Warm-up: JIT and SQLite caches, not counted (but in the log, so counted there apart).
  let warmupAccepted = 0;
  const warmupEnd = performance.now() + 1000;
  await Promise.all(
    Array.from({ length: options.connections }, async (_, c) => {
      for (let k = c; performance.now() < warmupEnd; k += options.connections) {
        const reply = await send(bodies[k % bodies.length]!);
        warmupAccepted += reply.accepted;
      }
    }),
  );
  const latencies: number[] = [];
  let accepted = 0;
  let failed = 0;
  let bytes = 0;
  const cpuStarted = await server.cpu();
  const clientCpuStarted = process.cpuUsage();
  const started = performance.now();
  const end = started + seconds * 1000;
  await Promise.all(
    Array.from({ length: options.connections }, async (_, c) => {
      for (let k = c; performance.now() < end; k += options.connections) {
        const body = bodies[k % bodies.length]!;
        const t = performance.now();
        const reply = await send(body);
        latencies.push(performance.now() - t);
        if (reply.ok) {
          accepted += reply.accepted;
          bytes += body.length;
        } else failed++;
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  const clientCpu = process.cpuUsage(clientCpuStarted);
  const clientCpuMicros = clientCpu.user + clientCpu.system;
  const cpuMicros = (await server.cpu()) - cpuStarted;
  await pool.close();
  const logRecords = (await server.stop()) - warmupAccepted;
  latencies.sort((a, b) => a - b);
  return {
    seconds: elapsed,
    requests: latencies.length,
    accepted,
    failed,
    eventsPerSecond: accepted / elapsed,
    megabytesPerSecond: bytes / elapsed / 1e6,
    p50Ms: quantile(latencies, 0.5),
    p99Ms: quantile(latencies, 0.99),
    maxMs: latencies[latencies.length - 1] ?? Number.NaN,
    logRecords,
    serverCpuMicrosPerEvent: cpuMicros / accepted,
    serverCores: cpuMicros / 1e6 / elapsed,
    clientCpuMicrosPerEvent: clientCpuMicros / accepted,
    clientCores: clientCpuMicros / 1e6 / elapsed,
  };
}

// ---- end to end ----

interface EndToEndRun {
  readonly checkpointIntervalMs: number;
  readonly rate: number;
  readonly seconds: number;
  readonly sentEvents: number;
  readonly changes: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  /** The same changes split in two: send → durable ack of the ingest request, then ack → view change. */
  readonly ackP50Ms: number;
  readonly ackP99Ms: number;
  readonly afterAckP50Ms: number;
  readonly afterAckP99Ms: number;
  /** Batches sent more than 5 ms after their slot (the sender fell behind the pace). */
  readonly lateSends: number;
}

/** Subscribes to a view's changes; calls `onChange` with each upsert's data. Resolves once connected. */
async function subscribe(
  origin: string,
  onChange: (data: { key: string; value: { sentAt: number } }) => void,
): Promise<() => void> {
  const pool = new Pool(origin, { connections: 1 });
  const response = await pool.request({
    method: "GET",
    path: `/v1/views/${VIEW}/changes`,
    headers: { accept: "text/event-stream" },
  });
  if (response.statusCode !== 200) throw new Error(`SSE subscription answered ${response.statusCode}`);
  let pending = "";
  response.body.setEncoding("utf8");
  response.body.on("data", (chunk: string) => {
    pending += chunk;
    for (let end = pending.indexOf("\n\n"); end >= 0; end = pending.indexOf("\n\n")) {
      const frame = pending.slice(0, end);
      pending = pending.slice(end + 2);
      if (!frame.includes("event: upsert")) continue;
      const data = frame.split("\n").find((l) => l.startsWith("data: "));
      if (data !== undefined) onChange(JSON.parse(data.slice(6)));
    }
  });
  response.body.on("error", () => {});
  return () => {
    response.body.destroy();
    void pool.destroy();
  };
}

async function endToEndRun(
  options: ServeOptions & { connections: number; batch: number },
  interval: number,
  rate: number,
  seconds: number,
  profile: boolean,
): Promise<EndToEndRun> {
  const shape = SHAPES[options.shape]!;
  const server = await startServerChild({ ...options, checkpointInterval: interval }, profile);
  const origin = new URL(server.url).origin;
  const pool = new Pool(origin, { connections: options.connections, pipelining: 1 });
  const path = `/v1/streams/${STREAM}/events`;
  // Stamps are performance.timeOrigin + now(), in ms with sub-ms precision, so they survive the trip as numbers.
  const now = () => performance.timeOrigin + performance.now();
  // Bodies are made once with a placeholder stamp of fixed width (ms with 3 decimals: 17 characters until the
  // year 2286) and stamped in place, so a batch costs the sender one copy, not a serialisation, between its
  // stamp and its send.
  // (A placeholder whose JSON text is already of that width: 3 decimals, so no slot needs widening.)
  const PLACEHOLDER = 1_000_000_000_000.125;
  const marker = Buffer.from(String(PLACEHOLDER));
  const WIDTH = marker.length;
  const templates = Array.from({ length: 16 }, (_, b) => {
    const bytes = Buffer.from(ndjsonBatch(shape, b * options.batch, options.batch, PLACEHOLDER));
    const slots: number[] = [];
    for (let at = bytes.indexOf(marker); at >= 0; at = bytes.indexOf(marker, at + 1)) slots.push(at);
    if (slots.length !== options.batch) throw new Error("the send stamp placeholder is not in every record");
    return { bytes, slots };
  });
  let sent = 0;
  /** Ack time of each batch by its send stamp, to split a change's latency. */
  const ackedAt = new Map<number, number>();
  const post = async () => {
    const template = templates[sent++ % templates.length]!;
    const body = Buffer.from(template.bytes);
    const stamp = now().toFixed(3);
    if (stamp.length !== WIDTH) throw new Error(`a send stamp of ${stamp.length} characters`);
    for (const at of template.slots) body.write(stamp, at, "latin1");
    const sentAt = Number(stamp);
    const response = await pool.request({
      method: "POST",
      path,
      headers: { "content-type": "application/x-ndjson" },
      body,
    });
    await response.body.text();
    if (response.statusCode !== 200) throw new Error(`ingest answered ${response.statusCode}`);
    ackedAt.set(sentAt, now());
  };
  // The view exists once its first row committed; then subscribe.
  await post();
  for (let i = 0; ; i++) {
    const response = await pool.request({ method: "GET", path: `/v1/views/${VIEW}?limit=1` });
    await response.body.text();
    if (response.statusCode === 200) break;
    if (i > 500) throw new Error(`view ${VIEW} did not appear`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  const latencies: number[] = [];
  const ackLatencies: number[] = [];
  const afterAck: number[] = [];
  let measuring = false;
  const unsubscribe = await subscribe(origin, (change) => {
    if (!measuring) return;
    const at = now();
    const { sentAt } = change.value;
    latencies.push(at - sentAt);
    // A change can arrive before the client has read its ack; then the part after the ack counts as 0.
    const acked = ackedAt.get(sentAt) ?? at;
    ackLatencies.push(acked - sentAt);
    afterAck.push(Math.max(0, at - acked));
  });
  // One second of pacing not measured (warm-up), then `seconds` measured.
  const perSecond = rate / options.batch;
  const slot = 1000 / perSecond;
  const warmupSlots = Math.round(perSecond);
  const slots = Math.round(perSecond * seconds);
  const inFlight = new Set<Promise<void>>();
  let lateSends = 0;
  const t0 = performance.now() + 20;
  for (let s = 0; s < warmupSlots + slots; s++) {
    const due = t0 + s * slot;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    if (s === warmupSlots) measuring = true;
    if (performance.now() - due > 5 && measuring) lateSends++;
    const p = post();
    inFlight.add(p);
    void p.finally(() => inFlight.delete(p));
  }
  await Promise.all(inFlight);
  // Let the last checkpoint commit and its changes arrive.
  await new Promise((resolve) => setTimeout(resolve, interval * 3 + 200));
  measuring = false;
  unsubscribe();
  await pool.close();
  await server.stop();
  latencies.sort((a, b) => a - b);
  ackLatencies.sort((a, b) => a - b);
  afterAck.sort((a, b) => a - b);
  return {
    checkpointIntervalMs: interval,
    rate,
    seconds,
    sentEvents: slots * options.batch,
    changes: latencies.length,
    p50Ms: quantile(latencies, 0.5),
    p99Ms: quantile(latencies, 0.99),
    maxMs: latencies[latencies.length - 1] ?? Number.NaN,
    ackP50Ms: quantile(ackLatencies, 0.5),
    ackP99Ms: quantile(ackLatencies, 0.99),
    afterAckP50Ms: quantile(afterAck, 0.5),
    afterAckP99Ms: quantile(afterAck, 0.99),
    lateSends,
  };
}

// ---- main ----

const values = readCommandLine(HELP, {
  duration: { type: "string", default: "10" },
  connections: { type: "string", default: "4" },
  batch: { type: "string", default: "1000" },
  shape: { type: "string", default: "sensor" },
  durability: { type: "string", default: "process" },
  repeat: { type: "string", default: "1" },
  e2e: { type: "boolean", default: false },
  rate: { type: "string", default: "50000" },
  intervals: { type: "string", default: "5,10,20,50" },
  json: { type: "boolean", default: false },
  profile: { type: "boolean", default: false },
  serve: { type: "boolean", default: false },
  "ndjson-worker": { type: "boolean", default: false },
  interval: { type: "string" },
  "idle-checkpoint": { type: "string" },
});

const positive = (name: string, text: string) => numberOption(`--${name}`, text, HELP);

const fmt = (n: number, digits = 0) =>
  n.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });

if (values.serve) {
  await serve({
    shape: values.shape,
    durability: values.durability as "process" | "machine",
    ndjsonWorker: values["ndjson-worker"],
    ...(values.interval === undefined ? {} : { checkpointInterval: Number(values.interval) }),
    ...(values["idle-checkpoint"] === undefined
      ? {}
      : { idleCheckpointPause: Number(values["idle-checkpoint"]) }),
  });
} else {
  if (!(values.shape in SHAPES)) usageError(`--shape must be one of ${Object.keys(SHAPES).join(", ")}`, HELP);
  if (values.durability !== "process" && values.durability !== "machine") {
    usageError("--durability must be process or machine", HELP);
  }
  const options = {
    shape: values.shape,
    durability: values.durability as "process" | "machine",
    ndjsonWorker: values["ndjson-worker"],
    connections: Math.round(positive("connections", values.connections)),
    batch: Math.round(positive("batch", values.batch)),
    ...(values["idle-checkpoint"] === undefined
      ? {}
      : {
          idleCheckpointPause: numberOption("--idle-checkpoint", values["idle-checkpoint"], HELP, { min: 0 }),
        }),
  };
  const seconds = positive("duration", values.duration);
  const repeat = Math.round(positive("repeat", values.repeat));
  const header = {
    date: new Date().toISOString(),
    node: process.version,
    cores: cpus().length,
    loadAverage: loadavg()[0],
    ...options,
    seconds,
    repeat,
  };
  let result: Record<string, unknown>;
  if (!values.e2e) {
    if (!values.json) {
      process.stderr.write(
        `ingest throughput: ${options.connections} connections, NDJSON batches of ${fmt(options.batch)} ` +
          `${options.shape} records, durability ${options.durability}, ${seconds} s per run, ${repeat} run(s), ` +
          `${header.cores} cores, load ${header.loadAverage.toFixed(2)}\n`,
      );
    }
    const runs: ThroughputRun[] = [];
    for (let i = 0; i < repeat; i++) {
      const run = await throughputRun(options, seconds, values.profile);
      runs.push(run);
      if (run.logRecords !== run.accepted) {
        throw new Error(`the log holds ${run.logRecords} records but ${run.accepted} were acknowledged`);
      }
      if (!values.json) {
        process.stdout.write(
          `run ${i + 1}: ${fmt(run.eventsPerSecond).padStart(9)} events/s  ${fmt(run.megabytesPerSecond, 1)} MB/s  ` +
            `request p50 ${fmt(run.p50Ms, 1)} ms  p99 ${fmt(run.p99Ms, 1)} ms  max ${fmt(run.maxMs, 1)} ms  ` +
            `server CPU ${fmt(run.serverCpuMicrosPerEvent, 2)} µs/event (${fmt(run.serverCores, 2)} cores), ` +
            `load generator ${fmt(run.clientCpuMicrosPerEvent, 2)} µs/event (${fmt(run.clientCores, 2)} cores)  ` +
            `(${fmt(run.accepted)} acknowledged = log, ${run.failed} failed requests)\n`,
        );
      }
    }
    const sorted = [...runs].sort((a, b) => b.eventsPerSecond - a.eventsPerSecond);
    const best = sorted[0]!;
    const median = sorted[Math.floor(sorted.length / 2)]!;
    if (!values.json && repeat > 1) {
      process.stdout.write(
        `best ${fmt(best.eventsPerSecond)} events/s, median ${fmt(median.eventsPerSecond)} events/s\n`,
      );
    }
    result = { ...header, mode: "throughput", best, median, runs };
  } else {
    const rate = positive("rate", values.rate);
    const intervals = values.intervals.split(",").map((s) => positive("intervals", s));
    if (!values.json) {
      process.stderr.write(
        `end to end: ${fmt(rate)} events/s in batches of ${fmt(options.batch)} ${options.shape} records, ` +
          `stored stream → filter → map → view → SSE, durability ${options.durability}, ${seconds} s per ` +
          `interval, ${options.idleCheckpointPause === undefined ? "" : `idle checkpoints ${options.idleCheckpointPause} ms after the previous at the earliest, `}` +
          `${header.cores} cores, load ${header.loadAverage.toFixed(2)}\n`,
      );
    }
    const runs: EndToEndRun[] = [];
    for (const interval of intervals) {
      for (let i = 0; i < repeat; i++) {
        const run = await endToEndRun(options, interval, rate, seconds, values.profile);
        runs.push(run);
        if (!values.json) {
          process.stdout.write(
            `checkpoint every ${String(interval).padStart(3)} ms: p50 ${fmt(run.p50Ms, 1)} ms  ` +
              `p99 ${fmt(run.p99Ms, 1)} ms  max ${fmt(run.maxMs, 1)} ms  [to ack p50 ${fmt(run.ackP50Ms, 1)} ` +
              `p99 ${fmt(run.ackP99Ms, 1)}; ack to view p50 ${fmt(run.afterAckP50Ms, 1)} p99 ` +
              `${fmt(run.afterAckP99Ms, 1)}]  (${fmt(run.changes)} changes, ` +
              `${fmt(run.sentEvents)} events, ${run.lateSends} late sends)\n`,
          );
        }
      }
    }
    result = { ...header, mode: "e2e", runs };
  }
  mkdirSync("bench/results", { recursive: true });
  const file = `bench/results/ingest${values.e2e ? "-e2e" : ""}.json`;
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  if (values.json) process.stdout.write(`${JSON.stringify(result)}\n`);
  else process.stderr.write(`figures written to ${file}\n`);
}
