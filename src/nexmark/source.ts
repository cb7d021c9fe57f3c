/**
 * The Nexmark generator as a Sluice source: one partition, synchronous batches with event times, position =
 * number of events produced, resumable from a checkpointed position in O(1).
 */
import type { Source, SourceBatch, SourceContext, SourceReader } from "../connectors/source.js";
import { SluiceError } from "../core/errors.js";
import { NexmarkGenerator } from "./generator.js";
import { type NexmarkGeneratorOptions, resolveGeneratorConfig } from "./generator-config.js";
import type { NexmarkEvent } from "./model.js";

/** Options of `nexmarkSource`: the generator's, plus the batch size. */
export interface NexmarkSourceOptions extends NexmarkGeneratorOptions {
  /** Most events per batch. Default 4096. */
  batchSize?: number;
}

/** Events per batch when no batch size is given. */
export const DEFAULT_NEXMARK_BATCH_SIZE = 4096;

/**
 * A source of Nexmark events.
 * @example pipeline.source("nexmark", nexmarkSource({ events: 1_000_000, seed: 42 }))
 */
export function nexmarkSource(options: NexmarkSourceOptions = {}): Source<NexmarkEvent> {
  const batchSize = options.batchSize ?? DEFAULT_NEXMARK_BATCH_SIZE;
  if (!(Number.isSafeInteger(batchSize) && batchSize > 0)) {
    throw new SluiceError(
      `nexmark source option "batchSize" is ${String(batchSize)}; it must be a positive integer`,
      "invalid_nexmark_option",
      { option: "batchSize", value: batchSize },
    );
  }
  // Checks the generator options now, when the pipeline is defined, rather than at open().
  resolveGeneratorConfig(options);
  return {
    kind: "nexmark",
    partitions: 1,
    open(context: SourceContext): SourceReader<NexmarkEvent> {
      return new NexmarkSourceReader(new NexmarkGenerator(options), batchSize, context);
    },
  };
}

class NexmarkSourceReader implements SourceReader<NexmarkEvent> {
  constructor(
    private readonly generator: NexmarkGenerator,
    private readonly batchSize: number,
    context: SourceContext,
  ) {
    const resumeFrom = context.resumeFrom;
    if (resumeFrom !== undefined) {
      if (!(typeof resumeFrom === "number" && Number.isSafeInteger(resumeFrom) && resumeFrom >= 0)) {
        throw new SluiceError(
          `step "${context.stepId}": cannot resume the nexmark source from ${JSON.stringify(resumeFrom)}; ` +
            "expected a number of events as returned by position() — was the checkpoint written by another source?",
          "invalid_resume_position",
          { stepId: context.stepId, resumeFrom },
        );
      }
      generator.seek(resumeFrom);
    }
  }

  next(): SourceBatch<NexmarkEvent> | null {
    const items: NexmarkEvent[] = [];
    const times: number[] = [];
    if (this.generator.fill(items, times, this.batchSize) === 0) return null;
    return { partition: 0, items, times };
  }

  position(): number {
    return this.generator.position();
  }
}
