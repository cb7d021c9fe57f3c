/**
 * `sluice nexmark generate --events N [--output FILE] [--seed S] [--base-time MS] [--rate R]`: writes
 * Nexmark events as NDJSON, one event per line, in large chunks with backpressure.
 */
import { once } from "node:events";
import { createWriteStream } from "node:fs";
import { parseArgs } from "node:util";
import { NexmarkGenerator } from "../nexmark/generator.js";
import { DEFAULT_BASE_TIME, DEFAULT_EVENTS_PER_SECOND, DEFAULT_SEED } from "../nexmark/generator-config.js";
import type { NexmarkEvent } from "../nexmark/model.js";
import { NdjsonEncoder } from "../nexmark/ndjson.js";
import { OptionError, parseInteger } from "./integer-option.js";

export const NEXMARK_GENERATE_USAGE = `Usage: sluice nexmark generate --events N [options]

Writes N Nexmark events (people, auctions and bids) as NDJSON, one event per line.
The same options always give the same events.

Options:
  --events N         number of events to generate (required)
  -o, --output FILE  write to FILE instead of standard output
  --seed S           generator seed, an integer (default ${DEFAULT_SEED})
  --base-time MS     event time of the first event, epoch ms (default ${DEFAULT_BASE_TIME} = 2024-01-01T00:00:00Z)
  --rate R           events per second of event time (default ${DEFAULT_EVENTS_PER_SECOND})
  -h, --help         show this help
`;

/** Events generated and encoded at a time. */
const BATCH = 4096;
/** Bytes handed to the output at a time. */
const CHUNK_BYTES = 1 << 20;
/** Events between progress lines (when writing to a file with a terminal on stderr). */
const PROGRESS_EVERY = 1_000_000;

interface CommandIo {
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
}

/**
 * Runs `sluice nexmark generate` with the arguments after "generate"; resolves to the exit code
 * (0 done, 1 output failed, 2 bad usage).
 * @example await runNexmarkGenerate(["--events", "1000", "--output", "events.ndjson"], process)
 */
export async function runNexmarkGenerate(argv: string[], io: CommandIo): Promise<number> {
  let options: { events: number; output?: string; seed?: number; baseTime?: number; rate?: number };
  try {
    const { values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        events: { type: "string" },
        output: { type: "string", short: "o" },
        seed: { type: "string" },
        "base-time": { type: "string" },
        rate: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    });
    if (values.help) {
      io.stdout.write(NEXMARK_GENERATE_USAGE);
      return 0;
    }
    if (values.events === undefined) throw new OptionError("--events N is required");
    if (values.output === "") throw new OptionError("--output needs a file name");
    options = {
      events: parseInteger(values.events, "--events", 0),
      ...(values.output === undefined ? {} : { output: values.output }),
      ...(values.seed === undefined ? {} : { seed: parseInteger(values.seed, "--seed") }),
      ...(values["base-time"] === undefined
        ? {}
        : { baseTime: parseInteger(values["base-time"], "--base-time") }),
      ...(values.rate === undefined ? {} : { rate: parseInteger(values.rate, "--rate", 1) }),
    };
  } catch (error) {
    io.stderr.write(`sluice nexmark generate: ${(error as Error).message}\n\n${NEXMARK_GENERATE_USAGE}`);
    return 2;
  }

  const generator = new NexmarkGenerator({
    events: options.events,
    ...(options.seed === undefined ? {} : { seed: options.seed }),
    ...(options.baseTime === undefined ? {} : { baseTime: options.baseTime }),
    ...(options.rate === undefined ? {} : { eventsPerSecond: options.rate }),
  });
  const toFile = options.output !== undefined;
  const out: NodeJS.WritableStream = toFile
    ? createWriteStream(options.output!, { highWaterMark: 8 * CHUNK_BYTES })
    : io.stdout;
  const showProgress = toFile && (io.stderr as { isTTY?: boolean }).isTTY === true;
  // Remember a failure whenever it happens, so an error between writes does not go unhandled.
  let failure: Error | undefined;
  const onError = (error: Error): void => {
    failure ??= error;
  };
  out.on("error", onError);
  try {
    await writeEvents(generator, out, () => failure, showProgress ? io.stderr : undefined);
    if (toFile) {
      out.end();
      await once(out, "close");
    }
    if (failure) throw failure;
    if (showProgress) io.stderr.write(`\r${generator.position().toLocaleString("en-US")} events written\n`);
    return 0;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    // A closed pipe (`... | head`) means the reader has what it wants.
    if (!toFile && code === "EPIPE") return 0;
    const where = toFile ? options.output! : "standard output";
    io.stderr.write(`sluice nexmark generate: cannot write ${where}: ${(error as Error).message}\n`);
    if (toFile) (out as { destroy?: () => void }).destroy?.();
    return 1;
  } finally {
    if (!toFile) out.off("error", onError);
  }
}

/** Generates every event into `out`, a megabyte at a time, waiting whenever `out` asks to. */
async function writeEvents(
  generator: NexmarkGenerator,
  out: NodeJS.WritableStream,
  failure: () => Error | undefined,
  progress: NodeJS.WritableStream | undefined,
): Promise<void> {
  const encoder = new NdjsonEncoder(CHUNK_BYTES + CHUNK_BYTES / 4);
  const events: NexmarkEvent[] = [];
  const times: number[] = [];
  let nextProgress = PROGRESS_EVERY;
  for (;;) {
    const n = generator.fill(events, times, BATCH);
    if (n > 0) encoder.writeBatch(events, n);
    events.length = 0;
    times.length = 0;
    if (n === 0 && encoder.byteLength > 0) {
      // The last chunk: wait until it (and so everything before it) has been handed over.
      const chunk = encoder.take();
      await new Promise<void>((resolve, reject) => {
        out.write(chunk, (error) => (error ? reject(error) : resolve()));
      });
    } else if (encoder.byteLength >= CHUNK_BYTES) {
      const more = out.write(encoder.take());
      const error = failure();
      if (error) throw error;
      if (!more) await once(out, "drain");
    }
    if (progress && generator.position() >= nextProgress) {
      progress.write(`\r${generator.position().toLocaleString("en-US")} events written`);
      nextProgress += PROGRESS_EVERY;
    }
    if (n === 0) break;
  }
}
