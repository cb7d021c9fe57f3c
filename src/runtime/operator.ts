/**
 * The operator contract. One required method, `processBatch`; watermark, processing-time, end, snapshot and
 * restore hooks have defaults. The runtime combines input watermarks (minimum over non-idle inputs) before
 * calling `onWatermark`, and forwards the watermark downstream afterwards, so an operator that fires windows
 * in `onWatermark` emits its results before the watermark that caused them.
 */
import type { Batch } from "../core/batch.js";
import type { Clock } from "../core/clock.js";
import type { ViewWriter } from "../sinks/view-writer.js";
import type { StateBackend } from "../state/state-backend.js";
import type { DeadLetterReason } from "./dead-letter.js";

export interface Collector<O> {
  /** Sends a batch to every downstream step. */
  emit(batch: Batch<O>): void;
  /** Watermark generators only (`generatesWatermarks: true`): announces a new watermark. */
  emitWatermark(time: number): void;
  /** Watermark generators only: announces that this output has gone idle. */
  emitIdle(): void;
}

export interface OperatorContext {
  /** The step's stable id: it names the step's state, metrics and errors. */
  readonly stepId: string;
  readonly clock: Clock;
  /** Keyed state for user code (the `process` step). */
  readonly state: StateBackend;
  /** Where view sinks write. */
  readonly views: ViewWriter;
  /** The step's current input watermark (-Infinity until every input has reported). */
  watermark(): number;
  /** Routes a record to the dead-letter ledger (late, failed) instead of losing it. */
  deadLetter(reason: DeadLetterReason, record: unknown, time: number, error?: unknown): void;
  /** Asks for `onProcessingTime` to be called once the clock reaches `time`. */
  requestProcessingTime(time: number): void;
}

export interface Operator<I, O> {
  /** Called once before any data, with the step's context. */
  open?(context: OperatorContext): void;
  /** Handles one batch from input number `input` (0 for single-input steps). */
  processBatch(batch: Batch<I>, out: Collector<O>, input: number): void;
  /** The step's combined input watermark advanced to `time` (+Infinity at end of input). */
  onWatermark?(time: number, out: Collector<O>): void;
  /** Processing time reached a time requested with `requestProcessingTime`. */
  onProcessingTime?(now: number, out: Collector<O>): void;
  /** Every input has ended (after the final +Infinity watermark). */
  onEnd?(out: Collector<O>): void;
  /** The operator's state as a JSON-serialisable value, taken at a checkpoint barrier. */
  snapshot?(): unknown;
  /** Rebuilds state from `snapshot()`'s output, before `open`'s first batch. */
  restore?(saved: unknown): void;
  /** True for steps that make watermarks (event-time assignment) rather than pass them on. */
  readonly generatesWatermarks?: boolean;
}
