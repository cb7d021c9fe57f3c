/**
 * `sluice run FILE`: runs a pipeline module durably on the embedded store under --data: it resumes from its
 * last checkpoint, or with --from replays stored streams from the start, an offset or an event time, and
 * then follows them live. Prints progress while it catches up and a status line every few seconds.
 */
import { parseArgs } from "node:util";
import { startDurable } from "../checkpoint/durable-run.js";
import type { LogStart } from "../connectors/stream-log-source.js";
import { SluiceError } from "../core/errors.js";
import { createServer, type SluiceServer } from "../server/index.js";
import { loadStreamsFile } from "../server/streams-file.js";
import { EmbeddedStore } from "../store/index.js";
import { OptionError, parseInteger } from "./integer-option.js";
import type { CommandIo } from "./nexmark-run.js";
import { loadPipelineModule } from "./pipeline-module.js";
import {
  parseServerOptions,
  SERVER_OPTIONS,
  type ServerSettings,
  serverOptionsUsage,
} from "./server-options.js";

/** The idle checkpoints' pause of `sluice run` and `sluice demo` (ms): views change within milliseconds. */
export const IDLE_CHECKPOINT_PAUSE = 10;

export const RUN_USAGE = `Usage: sluice run FILE [options]

Runs the pipeline exported (default export) by FILE (.js, .mjs, or .ts with typescript installed) on the
embedded store: it resumes from its last checkpoint after a stop or a crash.

Options:
  --data DIR                   data directory (default ./data)
  --from WHERE                 replay stored streams instead of resuming: start | end | offset:N |
                               time:ISO-8601 | time:MS — then follow them live
  --stop-at-end                read stored streams only up to their end as of the start, then fire
                               everything and stop (a backfill)
  --checkpoint-interval MS     milliseconds between checkpoints (default 1000)
  --idle-checkpoint MS|off     also checkpoint as soon as the pipeline caught up with its input, at least MS
                               after the previous checkpoint (default ${IDLE_CHECKPOINT_PAUSE}), so views show new results within
                               milliseconds; off: only every --checkpoint-interval
  --durability process|machine process (default): survives a process crash; machine: also power loss
  --port N                     HTTP port for ingest, views, DLQ and metrics (default 8080; 0: any free port)
  --host HOST                  address to listen on (default 127.0.0.1; others need API keys)
  --no-server                  run without the HTTP server
${serverOptionsUsage("info")}  --streams FILE               also serve the streams declared in this JSON file (an array of stream specs,
                               as defineStream takes them, or {"streams": [...]})
  --pii-key-file FILE          the key of the streams' hash/encrypt PII policies (64 hex digits or base64;
                               default: the SLUICE_PII_KEY environment variable)
  -h, --help                   show this help

The module may also export \`streams\` (an array of defineStream(...)) — the streams clients POST events to;
--streams adds streams declared in a file.
`;

/** Parses --from: "start", "end", "offset:42", "time:2026-11-01T00:00:00Z" or "time:1761955200000". */
export function parseLogStart(text: string): LogStart {
  if (text === "start" || text === "end") return text;
  const offset = /^offset:(\d+)$/.exec(text);
  if (offset) return { offset: Number(offset[1]) };
  const time = /^time:(.+)$/.exec(text);
  if (time) {
    const t = /^-?\d+$/.test(time[1]!) ? Number(time[1]) : Date.parse(time[1]!);
    if (Number.isFinite(t)) return { time: t };
  }
  throw new OptionError(
    `--from must be start, end, offset:N or time:ISO-8601|MS, got ${JSON.stringify(text)}`,
  );
}

export async function runRun(argv: string[], io: CommandIo): Promise<number> {
  let values: {
    data?: string;
    from?: string;
    "stop-at-end"?: boolean;
    "checkpoint-interval"?: string;
    "idle-checkpoint"?: string;
    durability?: string;
    port?: string;
    host?: string;
    "no-server"?: boolean;
    "tls-cert"?: string;
    "tls-key"?: string;
    "pii-key-file"?: string;
    "log-format"?: string;
    "log-level"?: string;
    streams?: string;
    help?: boolean;
  };
  let serverSettings: ServerSettings;
  let positionals: string[];
  let logStart: LogStart | undefined;
  let interval = 1000;
  let idlePause: number | undefined = IDLE_CHECKPOINT_PAUSE;
  let durability: "process" | "machine" = "process";
  let port = 8080;
  try {
    ({ values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        data: { type: "string" },
        from: { type: "string" },
        "stop-at-end": { type: "boolean" },
        "checkpoint-interval": { type: "string" },
        "idle-checkpoint": { type: "string" },
        durability: { type: "string" },
        port: { type: "string" },
        host: { type: "string" },
        "no-server": { type: "boolean" },
        ...SERVER_OPTIONS,
        "pii-key-file": { type: "string" },
        streams: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    }));
    if (values.help) {
      io.stdout.write(RUN_USAGE);
      return 0;
    }
    if (positionals.length !== 1) throw new OptionError("expected exactly one FILE");
    if (values.from !== undefined) logStart = parseLogStart(values.from);
    if (values.port !== undefined) port = parseInteger(values.port, "--port", 0);
    if (values["checkpoint-interval"] !== undefined) {
      interval = parseInteger(values["checkpoint-interval"], "--checkpoint-interval", 1);
    }
    const idle = values["idle-checkpoint"];
    if (idle !== undefined) {
      if (idle.trim() === "off") idlePause = undefined;
      else if (/^\s*\d[\d_]*\s*$/.test(idle)) idlePause = parseInteger(idle, "--idle-checkpoint", 0);
      else
        throw new OptionError(`--idle-checkpoint must be a number of ms or off, got ${JSON.stringify(idle)}`);
    }
    if (values.durability !== undefined) {
      if (values.durability !== "process" && values.durability !== "machine") {
        throw new OptionError(
          `--durability must be "process" or "machine", got ${JSON.stringify(values.durability)}`,
        );
      }
      durability = values.durability;
    }
    serverSettings = parseServerOptions(values, "info");
  } catch (error) {
    if (error instanceof OptionError || (error as { code?: string }).code?.startsWith("ERR_PARSE_ARGS")) {
      io.stderr.write(`sluice run: ${(error as Error).message}\n\n${RUN_USAGE}`);
      return 2;
    }
    throw error;
  }

  let store: EmbeddedStore | undefined;
  let server: SluiceServer | undefined;
  try {
    const loaded = await loadPipelineModule(positionals[0]!);
    const pipeline = loaded.pipeline;
    const streams =
      values.streams === undefined ? loaded.streams : [...loaded.streams, ...loadStreamsFile(values.streams)];
    const dataDir = values.data ?? "./data";
    store = new EmbeddedStore(dataDir, { durability });
    const caughtUp = new Set<string>();
    const latest = new Map<string, { position: number; end: number }>();
    const { job, resumedFrom } = startDurable(pipeline, {
      store,
      checkpointInterval: interval,
      ...(idlePause === undefined ? {} : { idleCheckpointPause: idlePause }),
      ...(logStart === undefined ? {} : { logStart, fresh: true }),
      ...(values["stop-at-end"] ? { logStopAtEnd: true } : {}),
      progress: (stepId, position, end) => {
        latest.set(stepId, { position, end });
        if (position >= end && !caughtUp.has(stepId)) {
          caughtUp.add(stepId);
          io.stderr.write(
            `[${stepId}] caught up at offset ${position}${values["stop-at-end"] ? "" : "; following live"}\n`,
          );
        }
      },
    });
    // Made in the same turn as the job starts (no await in between), so a bad configuration (no PII key, no
    // API keys on a public address) stops the run before anything is processed; it listens after the banner.
    if (!values["no-server"]) {
      try {
        server = createServer({
          store,
          streams,
          port,
          pipelines: [{ pipeline, job }],
          ...(values.host === undefined ? {} : { host: values.host }),
          ...(serverSettings.tls === undefined ? {} : { tls: serverSettings.tls }),
          ...(values["pii-key-file"] === undefined ? {} : { piiKeyFile: values["pii-key-file"] }),
          log: { ...serverSettings.log, destination: io.stdout },
        });
      } catch (error) {
        await job.stop();
        throw error;
      }
    }
    io.stderr.write(
      `sluice run: pipeline "${pipeline.name}" on ${dataDir} ` +
        `(${logStart !== undefined ? `replaying from ${values.from}` : resumedFrom !== undefined ? `resumed from checkpoint ${resumedFrom}` : "fresh start"})\n`,
    );
    if (server !== undefined) {
      const { url } = await server.listen();
      io.stderr.write(
        `sluice run: serving ${url} (streams: ${streams.map((s) => s.name).join(", ") || "none"})\n`,
      );
    }
    let lastReport = 0;
    const progress = setInterval(() => {
      for (const [stepId, { position, end }] of latest) {
        if (caughtUp.has(stepId)) continue;
        const pct = end === 0 ? 100 : Math.floor((position / end) * 100);
        io.stderr.write(
          `[${stepId}] catching up: ${position.toLocaleString("en-US")} / ${end.toLocaleString("en-US")} (${pct}%)\n`,
        );
      }
      const now = Date.now();
      if (now - lastReport >= 5000) {
        lastReport = now;
        const steps = job.status();
        const records = steps.filter((s) => s.verb === "source").reduce((n, s) => n + s.recordsOut, 0);
        io.stderr.write(
          `[status] ${records.toLocaleString("en-US")} records read, ${job.checkpointsCompleted} checkpoints\n`,
        );
      }
    }, 1000);
    const stop = () => void job.stop();
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
    try {
      await job.done;
    } finally {
      clearInterval(progress);
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
    }
    io.stderr.write(
      `sluice run: pipeline "${pipeline.name}" stopped after ${job.checkpointsCompleted} checkpoints\n`,
    );
    return 0;
  } catch (error) {
    io.stderr.write(
      `sluice run: ${error instanceof SluiceError ? error.message : String((error as Error)?.stack ?? error)}\n`,
    );
    return 1;
  } finally {
    await server?.close();
    store?.close();
  }
}
