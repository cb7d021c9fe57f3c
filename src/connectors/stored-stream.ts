/**
 * A stream stored in the embedded store's log, as a pipeline source: ingestion appends to it, pipelines read
 * it. The log is bound when the job runs with a data directory (`sluice run FILE --data DIR`, or RunOptions
 * `log`), and reading starts at the job's checkpoint, or for a fresh run at `logStart` (from the start, an
 * offset or an event time: replay and backfill), then follows new records live.
 */
import { SluiceError } from "../core/errors.js";
import type { Source, SourceContext, SourceReader } from "./source.js";
import { streamLogSource } from "./stream-log-source.js";

export interface StoredStreamOptions {
  /** Stop at this offset (exclusive) instead of following live. */
  readonly until?: number;
  /** Records per batch (default 1000). */
  readonly batchSize?: number;
}

/** e.g. `p.source("readings", storedStream<Reading>("readings"))` */
export function storedStream<T>(stream: string, options: StoredStreamOptions = {}): Source<T> {
  return {
    kind: "stored-stream",
    stream,
    partitions: 1,
    open(context: SourceContext): SourceReader<T> {
      if (context.log === undefined) {
        throw new SluiceError(
          `step "${context.stepId}" reads stored stream "${stream}", but the job has no data directory; ` +
            "run it with a store (sluice run FILE --data DIR, or RunOptions.log)",
          "no_store",
          { stepId: context.stepId, stream },
        );
      }
      const progress = context.progress;
      const until = options.until ?? (context.logStopAtEnd ? context.log.endOffset(stream) : undefined);
      return streamLogSource<T>(context.log, stream, {
        from: context.logStart ?? "start",
        ...(until === undefined ? {} : { until }),
        ...(options.batchSize === undefined ? {} : { batchSize: options.batchSize }),
        ...(progress === undefined
          ? {}
          : { onProgress: (position, end) => progress(context.stepId, position, end) }),
      }).open(context);
    },
  };
}
