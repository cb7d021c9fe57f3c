/**
 * `sluice nexmark run QUERY --events N [--output FILE] [--json] [--seed S] [--base-time MS] [--rate R]`:
 * runs one query in-process over the same events `nexmark generate` writes with the same options.
 */
import { parseArgs } from "node:util";
import { SluiceError } from "../core/errors.js";
import { DEFAULT_BASE_TIME, DEFAULT_EVENTS_PER_SECOND, DEFAULT_SEED } from "../nexmark/generator-config.js";
import { NEXMARK_QUERIES } from "../nexmark/queries/index.js";
import { runNexmarkQuery } from "../nexmark/run-query.js";
import { parseInteger, OptionError as UsageError } from "./integer-option.js";

export const NEXMARK_RUN_USAGE = `Usage: sluice nexmark run QUERY --events N [options]

Runs a Nexmark query in-process over generated events and reports throughput.
QUERY is one of: ${Object.keys(NEXMARK_QUERIES).join(", ")}.

Options:
  --events N         number of events to generate (required)
  --output FILE      write result rows as NDJSON to FILE (q4: the final row per category)
  --json             print one JSON object {query, events, rows, seconds, eventsPerSecond}
  --seed S           generator seed (default ${DEFAULT_SEED})
  --base-time MS     event time of the first event, epoch ms (default ${DEFAULT_BASE_TIME})
  --rate R           events per second of event time (default ${DEFAULT_EVENTS_PER_SECOND})
  --data DIR         keep state and checkpoints under DIR: killed at any moment (even kill -9) and started
                     again with the same command, the run resumes from its last checkpoint, and FILE ends
                     with exactly the rows of an uninterrupted run
  --checkpoint-interval MS   milliseconds between checkpoints with --data (default 1000)
  --durability process|machine   process (default): survives a process crash; machine: also power loss (fsync)
  -h, --help         show this help

The events are exactly those of \`sluice nexmark generate\` with the same --events, --seed, --base-time, --rate.
`;

export interface CommandIo {
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
}

export async function runNexmarkRun(argv: string[], io: CommandIo): Promise<number> {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (error) {
    io.stderr.write(`sluice nexmark run: ${(error as Error).message}\n\n${NEXMARK_RUN_USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    io.stdout.write(NEXMARK_RUN_USAGE);
    return 0;
  }
  try {
    if (positionals.length !== 1) throw new UsageError("expected exactly one QUERY");
    const query = positionals[0]!;
    if (!Object.hasOwn(NEXMARK_QUERIES, query)) {
      throw new UsageError(
        `unknown query "${query}"; choose one of ${Object.keys(NEXMARK_QUERIES).join(", ")}`,
      );
    }
    if (values.events === undefined) throw new UsageError("--events N is required");
    const events = parseInteger(values.events, "--events", 0);
    const seed = values.seed === undefined ? undefined : parseInteger(values.seed, "--seed");
    const baseTime =
      values["base-time"] === undefined ? undefined : parseInteger(values["base-time"], "--base-time");
    const rate = values.rate === undefined ? undefined : parseInteger(values.rate, "--rate", 1);
    const interval =
      values["checkpoint-interval"] === undefined
        ? undefined
        : parseInteger(values["checkpoint-interval"], "--checkpoint-interval", 1);
    if (interval !== undefined && values.data === undefined)
      throw new UsageError("--checkpoint-interval needs --data DIR");
    const durability = values.durability;
    if (durability !== undefined && durability !== "process" && durability !== "machine") {
      throw new UsageError(`--durability must be "process" or "machine", got ${JSON.stringify(durability)}`);
    }
    if (durability !== undefined && values.data === undefined)
      throw new UsageError("--durability needs --data DIR");
    const result = await runNexmarkQuery({
      query,
      events,
      ...(values.output === undefined ? {} : { output: values.output }),
      ...(seed === undefined ? {} : { seed }),
      ...(baseTime === undefined ? {} : { baseTime }),
      ...(rate === undefined ? {} : { eventsPerSecond: rate }),
      ...(values.data === undefined ? {} : { data: values.data }),
      ...(interval === undefined ? {} : { checkpointInterval: interval }),
      ...(durability === undefined ? {} : { durability }),
    });
    if (values.json) {
      io.stdout.write(`${JSON.stringify(result)}\n`);
    } else {
      const where = values.output === undefined ? "" : ` → ${values.output}`;
      if (result.resumedFrom !== undefined)
        io.stderr.write(`${query}: resumed from checkpoint ${result.resumedFrom}\n`);
      io.stderr.write(
        `${query}: ${result.events} events, ${result.rows} result rows${where} in ${result.seconds.toFixed(3)} s ` +
          `(${Math.round(result.eventsPerSecond).toLocaleString("en-US")} events/s)\n`,
      );
    }
    return 0;
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr.write(`sluice nexmark run: ${error.message}\n\n${NEXMARK_RUN_USAGE}`);
      return 2;
    }
    io.stderr.write(
      `sluice nexmark run: ${error instanceof SluiceError ? error.message : String((error as Error)?.stack ?? error)}\n`,
    );
    return 1;
  }
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      events: { type: "string" },
      output: { type: "string" },
      json: { type: "boolean" },
      seed: { type: "string" },
      "base-time": { type: "string" },
      rate: { type: "string" },
      data: { type: "string" },
      "checkpoint-interval": { type: "string" },
      durability: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
}
