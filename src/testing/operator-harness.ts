/**
 * Drives one operator directly, for unit tests of operators: push batches and watermarks into its inputs,
 * advance a manual clock, and read what it emitted (records with times and keys, and watermarks) and what it
 * sent to the dead-letter ledger.
 */
import { batchOf } from "../core/batch.js";
import { ManualClock } from "../core/clock.js";
import { MemoryDeadLetterLedger } from "../runtime/dead-letter.js";
import type { Operator } from "../runtime/operator.js";
import { type StepEnvironment, StepNode } from "../runtime/step-node.js";
import { MemoryViewStore } from "../sinks/view-writer.js";
import { MemoryStateBackend } from "../state/memory-state-backend.js";
import type { StateBackend } from "../state/state-backend.js";

export interface HarnessRecord<O> {
  readonly value: O;
  readonly time: number;
  readonly key: unknown;
}

/** e.g. `const h = new OperatorHarness(new MapOperator(fn)); h.push([r], [1000]); h.watermark(5000); h.output` */
export class OperatorHarness<I, O> {
  readonly clock: ManualClock;
  readonly deadLetters = new MemoryDeadLetterLedger();
  readonly state: StateBackend;
  /** Everything emitted, in order. */
  readonly output: HarnessRecord<O>[] = [];
  /** Watermarks emitted downstream, in order. */
  readonly watermarks: number[] = [];
  readonly snapshots = new Map<number, unknown>();
  ended = false;
  private readonly node: StepNode;
  private readonly pendingTimers: Array<{ time: number }> = [];

  constructor(
    operator: Operator<I, O>,
    options: { inputs?: number; clock?: ManualClock; state?: StateBackend; stepId?: string } = {},
  ) {
    this.clock = options.clock ?? new ManualClock(0);
    this.state = options.state ?? new MemoryStateBackend();
    const harness = this;
    const env: StepEnvironment = {
      views: new MemoryViewStore(),
      clock: this.clock,
      state: this.state,
      deadLetters: this.deadLetters,
      requestProcessingTime(node, time) {
        const timer = { time };
        harness.pendingTimers.push(timer);
        harness.clock.schedule(time - harness.clock.now(), () => node.processingTime(harness.clock.now()));
      },
      reportSnapshot(checkpointId, stepId, snapshot) {
        if (stepId === (options.stepId ?? "step-under-test")) harness.snapshots.set(checkpointId, snapshot);
      },
    };
    this.node = new StepNode(
      options.stepId ?? "step-under-test",
      operator as Operator<unknown, unknown>,
      options.inputs ?? 1,
      env,
    );
    const sink = new StepNode(
      "harness-sink",
      {
        processBatch(batch) {
          for (let i = 0; i < batch.items.length; i++) {
            harness.output.push({ value: batch.items[i] as O, time: batch.times[i]!, key: batch.keys?.[i] });
          }
        },
        onWatermark(time) {
          harness.watermarks.push(time);
        },
        onEnd() {
          harness.ended = true;
        },
      },
      1,
      env,
    );
    this.node.connect(sink, 0);
    this.node.open();
  }

  /** Pushes one batch into input `input`; `keys` for keyed streams, `partition` for watermark generators. */
  push(
    items: I[],
    times: number[],
    options: { keys?: unknown[]; input?: number; partition?: number } = {},
  ): this {
    this.node.receiveData(options.input ?? 0, batchOf(items, times, options.keys, options.partition ?? 0));
    return this;
  }

  watermark(time: number, input = 0): this {
    this.node.receiveWatermark(input, time);
    return this;
  }

  idle(input = 0): this {
    this.node.receiveIdle(input);
    return this;
  }

  end(input?: number): this {
    if (input !== undefined) this.node.receiveEnd(input);
    else for (let i = 0; i < this.node.inputCount; i++) this.node.receiveEnd(i);
    return this;
  }

  barrier(checkpointId: number): this {
    for (let i = 0; i < this.node.inputCount; i++) this.node.receiveBarrier(i, checkpointId);
    return this;
  }

  /** The step's current combined input watermark. */
  get currentWatermark(): number {
    return this.node.watermark;
  }

  /** The values emitted so far (without times and keys). */
  values(): O[] {
    return this.output.map((r) => r.value);
  }
}
