/**
 * The one channel between steps carries data and control signals as a tagged union, so the order between a
 * batch and the watermark, barrier or end that follows it is never in doubt.
 */
import type { Batch } from "./batch.js";

export type StreamMessage<T> =
  | { readonly kind: "data"; readonly batch: Batch<T> }
  /** No record with event time < `time` is expected any more on this input. */
  | { readonly kind: "watermark"; readonly time: number }
  /** The input has gone idle: leave it out of the watermark minimum until it sends data or a watermark. */
  | { readonly kind: "idle" }
  /** Checkpoint barrier: everything before it belongs to checkpoint `checkpointId`. */
  | { readonly kind: "barrier"; readonly checkpointId: number }
  /** End of input: the watermark becomes +Infinity and everything fires. */
  | { readonly kind: "end" };

export type StreamMessageKind = StreamMessage<unknown>["kind"];
