/**
 * `sluice demo`, what `npm start` runs: the five example pipelines (IoT sensors, clickstream, trading,
 * ride-hailing surge, trending topics) run durably on an embedded store, behind one HTTP server with the
 * dashboard, while generators POST events to the server's own ingest route, as real clients would — with
 * some out-of-order, late and invalid records mixed in. Needs no external services. Ctrl-C stops it cleanly.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { startDurable } from "../checkpoint/durable-run.js";
import { SystemClock } from "../core/clock.js";
import { SluiceError } from "../core/errors.js";
import type { Job } from "../runtime/job.js";
import { createServer, type SluiceServer } from "../server/index.js";
import { sourceInfo } from "../server/pipeline-info.js";
import { EmbeddedStore } from "../store/index.js";
import { demoCatalog } from "./demo-catalog.js";
import { HttpFeeder } from "./demo-feed.js";
import { OptionError, parseInteger } from "./integer-option.js";
import type { CommandIo } from "./nexmark-run.js";
import { IDLE_CHECKPOINT_PAUSE } from "./run-command.js";
import {
  parseServerOptions,
  SERVER_OPTIONS,
  type ServerSettings,
  serverOptionsUsage,
} from "./server-options.js";

/** The demo's generators make about 30 requests a second: logging each would drown its status lines. */
const DEMO_LOG_LEVEL = "warn";

/** Recent history a fresh demo starts with. */
const HISTORY_MS = 30_000;

export const DEMO_USAGE = `Usage: sluice demo [options]

Runs five example pipelines (IoT sensors, clickstream, trading, ride-hailing surge, trending topics) on the
embedded store, serves the HTTP API and the dashboard, and feeds the pipelines with generated events POSTed to
the server's ingest route — with some out-of-order, late and invalid records. No external services needed.

Options:
  --rate N                     events per second over all streams (default 500)
  --port N                     HTTP port (default 8080; 0: any free port)
  --host HOST                  address to listen on (default 127.0.0.1; any other address needs --api-key)
  --api-key KEY                require this key (16+ characters; admin scope) on the API; the generators
                               send it
${serverOptionsUsage(DEMO_LOG_LEVEL)}  --data DIR                   keep the data in DIR and resume from it on the next start
                               (default: a fresh temporary directory, removed on exit)
  --seconds N                  stop after N seconds (default: run until Ctrl-C)
  --quiet                      no status line
  -h, --help                   show this help

Prints "Dashboard: <url>" once the server listens, then a status line every 5 s on stderr. With --tls-cert the
server speaks HTTPS only, and the generators trust that certificate (and no other) for their own requests.
`;

interface DemoOptions {
  rate: number;
  port: number;
  host: string | undefined;
  apiKey: string | undefined;
  data: string | undefined;
  seconds: number | undefined;
  quiet: boolean;
  server: ServerSettings;
}

function parseDemoArgs(argv: string[]): DemoOptions | "help" {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      rate: { type: "string" },
      port: { type: "string" },
      host: { type: "string" },
      "api-key": { type: "string" },
      ...SERVER_OPTIONS,
      data: { type: "string" },
      seconds: { type: "string" },
      quiet: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) return "help";
  if (values.data === "") throw new OptionError("--data needs a directory");
  return {
    rate: values.rate === undefined ? 500 : parseInteger(values.rate, "--rate", 1),
    port: values.port === undefined ? 8080 : parseInteger(values.port, "--port", 0),
    host: values.host,
    apiKey: values["api-key"],
    data: values.data,
    seconds: values.seconds === undefined ? undefined : parseInteger(values.seconds, "--seconds", 1),
    quiet: values.quiet ?? false,
    server: parseServerOptions(values, DEMO_LOG_LEVEL),
  };
}

export async function runDemo(argv: string[], io: CommandIo): Promise<number> {
  let options: DemoOptions;
  try {
    const parsed = parseDemoArgs(argv);
    if (parsed === "help") {
      io.stdout.write(DEMO_USAGE);
      return 0;
    }
    options = parsed;
  } catch (error) {
    if (error instanceof OptionError || (error as { code?: string }).code?.startsWith("ERR_PARSE_ARGS")) {
      io.stderr.write(`sluice demo: ${(error as Error).message}\n\n${DEMO_USAGE}`);
      return 2;
    }
    throw error;
  }

  const clock = new SystemClock();
  const temporary = options.data === undefined ? mkdtempSync(join(tmpdir(), "sluice-demo-")) : undefined;
  const dataDir = options.data ?? temporary!;
  let store: EmbeddedStore | undefined;
  let server: SluiceServer | undefined;
  let feeder: HttpFeeder | undefined;
  const jobs: Job[] = [];
  let stopRequested: () => void = () => {};
  const stopped = new Promise<void>((resolve) => {
    stopRequested = resolve;
  });
  const onSignal = () => stopRequested();
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  let status: ReturnType<typeof setInterval> | undefined;
  try {
    store = new EmbeddedStore(dataDir);
    const catalog = demoCatalog();
    let resumed = false;
    const running = catalog.examples.map(({ pipeline }) => {
      // Checkpoints also as soon as a pipeline caught up, so the dashboard's views change within milliseconds.
      const { job, resumedFrom } = startDurable(pipeline, {
        store: store!,
        clock,
        idleCheckpointPause: IDLE_CHECKPOINT_PAUSE,
      });
      jobs.push(job);
      if (resumedFrom !== undefined) {
        resumed = true;
        io.stderr.write(`sluice demo: pipeline "${pipeline.name}" resumed from checkpoint ${resumedFrom}\n`);
      }
      return { pipeline, job };
    });
    // Jobs over live stored streams end only when stopped: what can end them early is a failure.
    const failed = Promise.race(
      running.map(({ pipeline, job }) =>
        job.done.then(
          () => new Promise<never>(() => {}),
          (error: unknown) => ({ pipeline: pipeline.name, error }),
        ),
      ),
    );
    try {
      server = createServer({
        store,
        streams: catalog.streams,
        pipelines: running,
        port: options.port,
        ...(options.host === undefined ? {} : { host: options.host }),
        ...(options.server.tls === undefined ? {} : { tls: options.server.tls }),
        log: { ...options.server.log, destination: io.stdout },
        ...(options.apiKey === undefined ? {} : { apiKeys: [{ key: options.apiKey, scopes: ["admin"] }] }),
      });
    } catch (error) {
      // A configuration the server refuses (an open non-loopback address, a short key): say so plainly.
      const message = (error as Error).message;
      const hint = /api ?keys?/i.test(message) ? " (here: --api-key KEY)" : "";
      throw new SluiceError(`${message}${hint}`, "bad_server_options");
    }
    const { url } = await server.listen().catch((error: NodeJS.ErrnoException) => {
      if (error.code !== "EADDRINUSE") throw error;
      throw new SluiceError(
        `port ${options.port} is in use; pass --port N for another one (--port 0: any free port)`,
        "port_in_use",
      );
    });
    io.stdout.write(`Dashboard: ${url}/\n`);
    io.stderr.write(
      `sluice demo: ${running.length} pipelines on ${temporary === undefined ? dataDir : "a temporary directory"}, ` +
        `fed ${options.rate} events/s over ${options.server.tls === undefined ? "HTTP" : "HTTPS"} (Ctrl-C to stop)\n` +
        catalog.examples
          .map((e) => `  ${e.title}: ${e.views.map((v) => `${url}/v1/views/${v}`).join("  ")}\n`)
          .join(""),
    );

    feeder = new HttpFeeder({
      url,
      feeds: catalog.feeds,
      ratePerSecond: options.rate,
      clock,
      seed: 7,
      // A fresh start opens with 30 s of history, so every view (even the alerts, which need two closed
      // windows) has rows within seconds; a resumed one carries on from where it stopped.
      historyMs: resumed ? 0 : HISTORY_MS,
      ...(options.apiKey === undefined ? {} : { apiKey: options.apiKey }),
      ...(options.server.tls === undefined ? {} : { certificate: options.server.tls.cert }),
    });
    feeder.start();

    if (!options.quiet) {
      const reporter = statusReporter(feeder, store, jobs);
      status = setInterval(() => io.stderr.write(`${reporter()}\n`), 5000);
    }
    const timeout =
      options.seconds === undefined ? undefined : setTimeout(() => stopRequested(), options.seconds * 1000);
    const outcome = await Promise.race([stopped.then(() => undefined), failed]);
    clearTimeout(timeout);
    if (outcome !== undefined) {
      const { error } = outcome;
      throw new SluiceError(
        `pipeline "${outcome.pipeline}" failed: ${error instanceof Error ? error.message : String(error)}`,
        "pipeline_failed",
      );
    }
    io.stderr.write("sluice demo: stopping\n");
    return 0;
  } catch (error) {
    io.stderr.write(
      `sluice demo: ${error instanceof SluiceError ? error.message : String((error as Error)?.stack ?? error)}\n`,
    );
    return 1;
  } finally {
    clearInterval(status);
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    await feeder?.stop();
    await Promise.all(jobs.map((job) => job.stop()));
    await server?.close();
    store?.close();
    if (temporary !== undefined) rmSync(temporary, { recursive: true, force: true });
  }
}

/** A one-line status: ingest rates, lag, dead letters and checkpoints since the previous line. */
function statusReporter(feeder: HttpFeeder, store: EmbeddedStore, jobs: readonly Job[]): () => string {
  // The history the feeder started with is not part of the live rate.
  let last = { at: Date.now(), accepted: feeder.stats.history };
  return () => {
    const now = Date.now();
    const { accepted, rejected, failedRequests } = feeder.stats;
    const rate = Math.max(0, ((accepted - last.accepted) * 1000) / Math.max(1, now - last.at));
    last = { at: now, accepted };
    let lag = 0;
    for (const job of jobs) {
      for (const source of job.stats().sources) lag += sourceInfo(source, store.log).lag ?? 0;
    }
    const dlq = store.deadLetters();
    const checkpoints = jobs.reduce((n, job) => n + job.checkpointsCompleted, 0);
    return (
      `[status] ${rate.toFixed(0)} events/s accepted (${accepted} in all), ${rejected} rejected · ` +
      `lag ${lag} records · DLQ ${dlq.count()} (invalid ${dlq.count({ reason: "invalid" })}, ` +
      `late ${dlq.count({ reason: "late" })}) · ${checkpoints} checkpoints` +
      (failedRequests > 0 ? ` · ${failedRequests} failed requests (${feeder.stats.lastError})` : "")
    );
  };
}
