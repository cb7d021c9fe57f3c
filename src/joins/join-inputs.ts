/**
 * What the three join operators share about their two inputs: both must be keyed, input 0 is the left (or
 * probe) side and input 1 the right (or changelog) side, and watermarks are stored in snapshots in a
 * JSON-safe form (JSON has no Infinity).
 */
import type { Batch } from "../core/batch.js";
import { PipelineDefinitionError } from "../core/errors.js";
import type { OperatorContext } from "../runtime/operator.js";

/** The batch's keys, or a clear error naming the step when a join input was not keyed. */
export function requireKeys(
  batch: Batch<unknown>,
  context: OperatorContext | undefined,
  input: number,
): unknown[] {
  const stepId = context?.stepId ?? "(unopened join)";
  if (input !== 0 && input !== 1) {
    throw new PipelineDefinitionError(
      `step "${stepId}": a join has two inputs (0 and 1), got a batch on input ${input}`,
      {
        stepId,
        input,
      },
    );
  }
  if (context === undefined) {
    throw new PipelineDefinitionError(`step "${stepId}": processBatch called before open()`, { stepId });
  }
  const keys = batch.keys;
  if (keys === undefined) {
    throw new PipelineDefinitionError(
      `step "${stepId}": input ${input} of a join is not keyed; call keyBy on both sides before joining`,
      { stepId, input },
    );
  }
  return keys;
}

/** A watermark as JSON can hold it: -Infinity becomes null, +Infinity the string "end". */
export function encodeWatermark(watermark: number): number | string | null {
  if (Number.isFinite(watermark)) return watermark;
  return watermark > 0 ? "end" : null;
}

/** Inverse of `encodeWatermark`. */
export function decodeWatermark(saved: unknown): number {
  if (typeof saved === "number") return saved;
  return saved === "end" ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY;
}

/** Throws a TypeError naming the operator when a snapshot does not have the expected shape. */
export function invalidSnapshot(operator: string, what: string): never {
  throw new TypeError(`${operator}.restore: the snapshot is not one this operator wrote (${what})`);
}

/** A plain object (not an array, not null), for snapshot checks. */
export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
