/**
 * Reads a stream from the embedded store's log: from the start, an offset or an event time, then live (woken
 * by each append) or up to a given end. Its position is the next offset, so a job resumed from a checkpoint
 * reads on exactly where the checkpoint was. This is how pipelines consume ingested streams, and how replay
 * and backfill run a pipeline over history and then continue live.
 */
import type { StreamLog } from "../store/stream-log.js";
import type { Source, SourceBatch, SourceReader } from "./source.js";

/** Where to start reading when not resuming from a checkpoint. */
export type LogStart = "start" | "end" | { readonly offset: number } | { readonly time: number };

export interface StreamLogSourceOptions {
  readonly from?: LogStart;
  /** Stop (end of input) at this offset (exclusive); default: read live forever. */
  readonly until?: number;
  /** Records per batch (default 1000). */
  readonly batchSize?: number;
  /** Called with (read offset, end offset) after each batch: progress while catching up. */
  readonly onProgress?: (position: number, end: number) => void;
}

/** e.g. `p.source("events", streamLogSource(store.log, "events", { from: { time: Date.parse("2026-11-01") } }))` */
export function streamLogSource<T>(
  log: StreamLog,
  stream: string,
  options: StreamLogSourceOptions = {},
): Source<T> {
  const batchSize = options.batchSize ?? 1000;
  return {
    kind: "stream-log",
    partitions: 1,
    open(context): SourceReader<T> {
      let next =
        typeof context.resumeFrom === "number" ? context.resumeFrom : startOffset(log, stream, options.from);
      let wake: (() => void) | undefined;
      let closed = false;
      const unsubscribe = log.onAppend((event) => {
        if (event.stream !== stream || wake === undefined) return;
        const w = wake;
        wake = undefined;
        // Not now, inside the append: the appender finishes first (an ingest request is answered before the
        // batch is read back and processed, so its acknowledgement never waits for the pipeline).
        setImmediate(() => {
          if (!closed) w();
        });
      });
      const until = options.until ?? Number.POSITIVE_INFINITY;
      const readBatch = (): SourceBatch<T> | null | undefined => {
        if (next >= until) return null;
        if (next < log.startOffset(stream)) next = log.startOffset(stream); // retention removed older records
        const read = log.read(stream, next, Math.min(batchSize, until - next));
        if (read.records.length === 0) return undefined;
        next = read.offsets[read.offsets.length - 1]! + 1;
        options.onProgress?.(next, log.endOffset(stream));
        const times = read.eventTimes.map((t) => t ?? 0);
        return { partition: 0, items: read.records as T[], times };
      };
      return {
        next(): SourceBatch<T> | null | Promise<SourceBatch<T> | null> {
          const batch = readBatch();
          if (batch !== undefined) return batch;
          return new Promise((resolve) => {
            const retry = () => {
              const b = readBatch();
              if (b !== undefined) resolve(b);
              else wake = retry;
            };
            wake = retry;
            // An append may have landed between the read and the subscription: check once more.
            setImmediate(() => {
              if (wake === retry) {
                wake = undefined;
                retry();
              }
            });
          });
        },
        position: () => next,
        close: () => {
          // A pending read must not touch the log once the reader is closed (the store may close next).
          wake = undefined;
          closed = true;
          unsubscribe();
        },
      };
    },
  };
}

function startOffset(log: StreamLog, stream: string, from: LogStart | undefined): number {
  if (from === undefined || from === "start") return log.startOffset(stream);
  if (from === "end") return log.endOffset(stream);
  if ("offset" in from) return Math.max(from.offset, log.startOffset(stream));
  return log.offsetAtTime(stream, from.time) ?? log.endOffset(stream);
}
