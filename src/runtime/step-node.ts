/**
 * A running step: one operator plus the bookkeeping every step shares — combining input watermarks (minimum
 * over inputs that are not idle, undefined until each has reported, never backwards), idleness, end of input,
 * barrier alignment — and the edges to downstream steps. Data is handed on by direct calls, batch by batch.
 */
import type { Batch } from "../core/batch.js";
import type { Clock } from "../core/clock.js";
import { StepFailure } from "../core/errors.js";
import type { ViewWriter } from "../sinks/view-writer.js";
import type { StateBackend } from "../state/state-backend.js";
import type { DeadLetterReason, DeadLetterSink } from "./dead-letter.js";
import type { Collector, Operator, OperatorContext } from "./operator.js";

export interface StepEnvironment {
  readonly clock: Clock;
  readonly views: ViewWriter;
  readonly state: StateBackend;
  readonly deadLetters: DeadLetterSink;
  /** Asks the runtime to call `node.processingTime` once the clock reaches `time`. */
  requestProcessingTime(node: StepNode, time: number): void;
  /** Receives each step's snapshot at a barrier. */
  reportSnapshot(checkpointId: number, stepId: string, snapshot: unknown): void;
}

interface Edge {
  readonly node: StepNode;
  readonly input: number;
}

/** `main` edges get the operator's output; `late` edges get the records it rejects as late. */
export type EdgeKind = "main" | "late";

/**
 * Milliseconds spent, so far, in steps called from the operator call running now. Steps call downstream steps
 * synchronously, so a step's own time is its call's duration minus this. One variable serves every job:
 * synchronous call stacks never interleave.
 */
let nestedMs = 0;

export class StepNode implements Collector<unknown> {
  /** Every downstream step: control messages (watermark, idle, barrier, end) go to all of them. */
  private readonly downstream: Edge[] = [];
  /** Downstream steps fed with the operator's output. */
  private readonly dataEdges: Edge[] = [];
  /** Downstream steps fed with late records (a late side output), if any. */
  private readonly lateEdges: Edge[] = [];
  private readonly inputWatermarks: number[];
  private readonly inputIdle: boolean[];
  private readonly inputEnded: boolean[];
  private readonly barrierSeen: number[];
  private endedInputs = 0;
  private currentWatermark = Number.NEGATIVE_INFINITY;
  private idle = false;
  private ended = false;
  readonly context: OperatorContext;
  /** Records in and out, for metrics. */
  recordsIn = 0;
  recordsOut = 0;
  /** Milliseconds spent in this step's operator, without the downstream steps it called (see job-stats.ts). */
  processingMs = 0;

  constructor(
    readonly stepId: string,
    readonly operator: Operator<unknown, unknown>,
    readonly inputCount: number,
    private readonly env: StepEnvironment,
  ) {
    this.inputWatermarks = new Array(inputCount).fill(Number.NEGATIVE_INFINITY);
    this.inputIdle = new Array(inputCount).fill(false);
    this.inputEnded = new Array(inputCount).fill(false);
    this.barrierSeen = new Array(inputCount).fill(-1);
    this.context = {
      stepId,
      clock: env.clock,
      state: env.state,
      views: env.views,
      watermark: () => this.currentWatermark,
      deadLetter: (reason: DeadLetterReason, record: unknown, time: number, error?: unknown) => {
        if (reason === "late" && this.lateEdges.length > 0) {
          const batch = { items: [record], times: [time], keys: undefined, partition: -1 };
          for (const edge of this.lateEdges) edge.node.receiveData(edge.input, batch);
          return;
        }
        env.deadLetters.write({
          stepId,
          reason,
          record,
          time,
          at: env.clock.now(),
          ...(error === undefined ? {} : { error: error instanceof Error ? error.message : String(error) }),
        });
      },
      requestProcessingTime: (time: number) => env.requestProcessingTime(this, time),
    };
  }

  /** Connects this step's output (or its late records) to input `input` of `node`. */
  connect(node: StepNode, input: number, kind: EdgeKind = "main"): void {
    const edge = { node, input };
    this.downstream.push(edge);
    (kind === "main" ? this.dataEdges : this.lateEdges).push(edge);
  }

  get watermark(): number {
    return this.currentWatermark;
  }

  get hasEnded(): boolean {
    return this.ended;
  }

  open(): void {
    this.operator.open?.(this.context);
  }

  // ---- Collector: what the operator calls ----

  emit(batch: Batch<unknown>): void {
    const n = batch.items.length;
    if (n === 0) return;
    this.recordsOut += n;
    const edges = this.dataEdges;
    for (let i = 0; i < edges.length; i++) edges[i]!.node.receiveData(edges[i]!.input, batch);
  }

  emitWatermark(time: number): void {
    if (!(time > this.currentWatermark)) return;
    this.currentWatermark = time;
    this.idle = false;
    this.forwardWatermark(time);
  }

  emitIdle(): void {
    if (this.idle) return;
    this.idle = true;
    for (const edge of this.downstream) edge.node.receiveIdle(edge.input);
  }

  // ---- what upstream steps (or the task loop, for sources) call ----

  receiveData(input: number, batch: Batch<unknown>): void {
    this.recordsIn += batch.items.length;
    if (this.inputIdle[input]) this.inputIdle[input] = false;
    const outer = nestedMs;
    nestedMs = 0;
    const started = performance.now();
    try {
      this.operator.processBatch(batch, this, input);
    } catch (error) {
      throw error instanceof StepFailure ? error : new StepFailure(this.stepId, error);
    } finally {
      this.stopTiming(started, outer);
    }
  }

  receiveWatermark(input: number, time: number): void {
    this.inputIdle[input] = false;
    if (time > this.inputWatermarks[input]!) this.inputWatermarks[input] = time;
    this.advanceWatermark();
  }

  receiveIdle(input: number): void {
    this.inputIdle[input] = true;
    this.advanceWatermark();
  }

  receiveEnd(input: number): void {
    if (this.inputEnded[input]) return;
    this.inputEnded[input] = true;
    this.endedInputs++;
    if (this.endedInputs < this.inputCount) {
      this.advanceWatermark();
      return;
    }
    this.finish();
  }

  /** Ends a step with no inputs (a source) or all inputs ended. */
  finish(): void {
    if (this.ended) return;
    this.ended = true;
    if (this.operator.generatesWatermarks) {
      this.emitWatermark(Number.POSITIVE_INFINITY);
    } else if (this.currentWatermark !== Number.POSITIVE_INFINITY) {
      this.currentWatermark = Number.POSITIVE_INFINITY;
      this.callOnWatermark(Number.POSITIVE_INFINITY);
      this.forwardWatermark(Number.POSITIVE_INFINITY);
    }
    if (this.operator.onEnd !== undefined) {
      const outer = nestedMs;
      nestedMs = 0;
      const started = performance.now();
      this.operator.onEnd(this);
      this.stopTiming(started, outer);
    }
    for (const edge of this.downstream) edge.node.receiveEnd(edge.input);
  }

  receiveBarrier(input: number, checkpointId: number): void {
    this.barrierSeen[input] = checkpointId;
    for (let i = 0; i < this.inputCount; i++) {
      if (!this.inputEnded[i] && this.barrierSeen[i] !== checkpointId) return;
    }
    this.takeSnapshot(checkpointId);
  }

  /** Snapshots this step (all inputs aligned on `checkpointId`) and passes the barrier on. */
  takeSnapshot(checkpointId: number): void {
    const snapshot = {
      watermark: this.currentWatermark,
      inputWatermarks: this.inputWatermarks.slice(),
      operator: this.operator.snapshot?.(),
    };
    this.env.reportSnapshot(checkpointId, this.stepId, snapshot);
    for (const edge of this.downstream) edge.node.receiveBarrier(edge.input, checkpointId);
  }

  /** Restores what `takeSnapshot` reported. */
  restore(saved: { watermark: number; inputWatermarks: number[]; operator: unknown }): void {
    this.currentWatermark = saved.watermark ?? Number.NEGATIVE_INFINITY;
    saved.inputWatermarks?.forEach((w, i) => {
      this.inputWatermarks[i] = w ?? Number.NEGATIVE_INFINITY;
    });
    if (saved.operator !== undefined) this.operator.restore?.(saved.operator);
  }

  processingTime(now: number): void {
    if (this.operator.onProcessingTime === undefined) return;
    const outer = nestedMs;
    nestedMs = 0;
    const started = performance.now();
    this.operator.onProcessingTime(now, this);
    this.stopTiming(started, outer);
  }

  // ---- internals ----

  private advanceWatermark(): void {
    let min = Number.POSITIVE_INFINITY;
    let active = 0;
    for (let i = 0; i < this.inputCount; i++) {
      if (this.inputEnded[i] || this.inputIdle[i]) continue;
      active++;
      const w = this.inputWatermarks[i]!;
      if (w < min) min = w;
    }
    if (active === 0) {
      // Every input still open is idle: this step is idle too; its watermark stays where it is.
      if (this.endedInputs < this.inputCount && !this.operator.generatesWatermarks) this.emitIdleDownstream();
      return;
    }
    if (this.operator.generatesWatermarks) return;
    if (min > this.currentWatermark && min !== Number.NEGATIVE_INFINITY) {
      this.currentWatermark = min;
      this.idle = false;
      this.callOnWatermark(min);
      this.forwardWatermark(min);
    } else if (this.idle) {
      this.idle = false;
    }
  }

  /** The operator's `onWatermark`, if any, timed. */
  private callOnWatermark(time: number): void {
    if (this.operator.onWatermark === undefined) return;
    const outer = nestedMs;
    nestedMs = 0;
    const started = performance.now();
    this.operator.onWatermark(time, this);
    this.stopTiming(started, outer);
  }

  /** Adds the time since `started`, less that of the steps called meanwhile, to this step; restores the outer count. */
  private stopTiming(started: number, outer: number): void {
    const elapsed = performance.now() - started;
    this.processingMs += elapsed - nestedMs;
    nestedMs = outer + elapsed;
  }

  private emitIdleDownstream(): void {
    if (this.idle) return;
    this.idle = true;
    for (const edge of this.downstream) edge.node.receiveIdle(edge.input);
  }

  private forwardWatermark(time: number): void {
    const edges = this.downstream;
    for (let i = 0; i < edges.length; i++) edges[i]!.node.receiveWatermark(edges[i]!.input, time);
  }
}
