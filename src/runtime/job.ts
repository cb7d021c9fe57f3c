/**
 * A running pipeline. Source readers run as async pumps that push batches into one bounded channel (so a
 * fast source waits instead of growing memory); the task loop takes messages from it in order and pushes
 * each batch synchronously through the steps. Barriers, ticks and ends travel through the same channel, so a
 * checkpoint sees exactly the batches dispatched before it.
 */

import type { SourceBatch, SourceReader } from "../connectors/source.js";
import type { LogStart } from "../connectors/stream-log-source.js";
import { type Batch, batchOf } from "../core/batch.js";
import { type Clock, SystemClock } from "../core/clock.js";
import type { LogicalStep } from "../dataflow/logical-step.js";
import { MemoryViewStore, type ViewWriter } from "../sinks/view-writer.js";
import { MemoryStateBackend } from "../state/memory-state-backend.js";
import type { StateBackend } from "../state/state-backend.js";
import type { StreamLog } from "../store/stream-log.js";
import { BoundedChannel } from "./bounded-channel.js";
import type { Checkpoint } from "./checkpoint.js";
import { type DeadLetterSink, MemoryDeadLetterLedger } from "./dead-letter.js";
import {
  type CheckpointListener,
  type CheckpointReceipt,
  type CommittedCheckpoint,
  type JobState,
  type JobStats,
  reportedWatermark,
  type SourceStats,
  type StepStatus,
} from "./job-stats.js";
import { StepNode } from "./step-node.js";
import { TimerHeap } from "./timer-heap.js";

/** How long the task loop may run without letting timers and I/O callbacks in (ms). */
const YIELD_EVERY_MS = 20;

export interface RunOptions {
  /** Processing-time clock (default: the system clock). Tests pass a ManualClock. */
  readonly clock?: Clock;
  /** Keyed state backend (default: in memory). */
  readonly state?: StateBackend;
  /** Where late and failed records go (default: an in-memory ledger, `job.deadLetters`). */
  readonly deadLetters?: DeadLetterSink;
  /** Batches that may wait between sources and processing before sources are paused (default 8). */
  readonly queueCapacity?: number;
  /** Resume from this checkpoint instead of starting fresh. */
  readonly restoreFrom?: Checkpoint;
  /** Take a checkpoint every this many ms of processing time (default: only when `checkpoint()` is called). */
  readonly checkpointInterval?: number;
  /**
   * Also take a checkpoint when the task loop has processed input since the last one and then finds nothing
   * more to do (it caught up with its sources), but no sooner than this many ms of processing time after the
   * previous checkpoint (0: at once). Output (view rows, transactional sinks) is then committed moments after
   * its batch was processed instead of up to `checkpointInterval` later. At a steady rate below what the job
   * can take, that is about one checkpoint per source batch (at most one per pause); reading a backlog, the
   * loop never runs out of input and the interval decides. Default: off.
   */
  readonly idleCheckpointPause?: number;
  /**
   * Called synchronously at each checkpoint, before any record after its barrier is processed: the place to
   * commit the checkpoint (and the output produced up to it) atomically. A final one, with `final: true`, is
   * taken when every source has ended and everything has fired. If it throws, the job fails. It may return
   * a `CheckpointReceipt` (`{ bytes }`, the bytes it wrote), which `job.stats()` and checkpoint listeners
   * report; any other return value is ignored.
   */
  readonly onCheckpoint?: (checkpoint: Checkpoint) => unknown;
  /** Where view sinks write (default: in memory, `job.views`). */
  readonly views?: ViewWriter;
  /** The embedded store's stream logs, for stored-stream sources. */
  readonly log?: StreamLog;
  /** Where stored streams start when the job does not resume from a checkpoint (replay, backfill). */
  readonly logStart?: LogStart;
  /** Stored streams end at the log's end as of the start instead of following live (backfill only). */
  readonly logStopAtEnd?: boolean;
  /** Told how far sources reading history are. */
  readonly progress?: (stepId: string, position: number, end: number) => void;
}

type TaskMessage =
  | {
      readonly type: "batch";
      readonly source: number;
      readonly batch: SourceBatch<unknown>;
      readonly position: unknown;
    }
  | { readonly type: "end"; readonly source: number }
  | { readonly type: "failed"; readonly source: number; readonly error: unknown }
  | { readonly type: "tick" }
  | { readonly type: "barrier"; readonly checkpointId: number };

export type { CheckpointListener, CommittedCheckpoint, JobState, JobStats, StepStatus };

export class Job {
  readonly clock: Clock;
  readonly state: StateBackend;
  readonly deadLetters: DeadLetterSink;
  /** Where view sinks write. */
  readonly views: ViewWriter;
  /** Resolves when every source has ended and every sink is closed; rejects if a step fails. */
  readonly done: Promise<void>;
  private readonly nodes: StepNode[] = [];
  private readonly sourceNodes: StepNode[] = [];
  private readonly sourceSteps: LogicalStep[] = [];
  private readonly readers: SourceReader<unknown>[] = [];
  private readonly positions: unknown[] = [];
  private readonly channel: BoundedChannel<TaskMessage>;
  private readonly processingRequests = new TimerHeap<StepNode>();
  private cancelScheduledTick: (() => void) | undefined;
  private scheduledTickAt = Number.POSITIVE_INFINITY;
  private stopped = false;
  private nextCheckpointId = 1;
  private readonly onCheckpoint: RunOptions["onCheckpoint"];
  private readonly checkpointInterval: number | undefined;
  private cancelCheckpointTimer: (() => void) | undefined;
  private readonly idleCheckpointPause: number | undefined;
  private cancelIdleCheckpoint: (() => void) | undefined;
  /** Whether batches or timers were processed since the last checkpoint (their output is not committed). */
  private uncommitted = false;
  private readonly pendingCheckpoints = new Map<
    number,
    {
      steps: Record<string, unknown>;
      resolve: (c: Checkpoint) => void;
      reject: (e: unknown) => void;
      /** performance.now() when its barrier entered the channel. */
      requestedAt: number;
    }
  >();
  /** When the job started, on its clock. */
  private readonly startedAt: number;
  private jobState: JobState = "running";
  private failure: string | null = null;
  private cancelled = false;
  private lastCheckpoint: CommittedCheckpoint | null = null;
  private readonly checkpointListeners = new Set<CheckpointListener>();
  private readonly batchListeners = new Set<(ms: number) => void>();
  /** Per source: ms its pump waited on the full channel, and since when it waits now (NaN when not). */
  private readonly blockedMs: number[] = [];
  private readonly blockedSince: number[] = [];
  /** Per source: where its reader stood when opened, reported until its first batch is dispatched. */
  private readonly openedAt: unknown[] = [];
  /** Per source: the watermark-generating steps it feeds (the nearest downstream). */
  private readonly eventTimeNodes: StepNode[][] = [];
  private idleWaiters: Array<() => void> = [];
  private loopIdle = false;

  constructor(
    readonly pipelineName: string,
    private readonly steps: readonly LogicalStep[],
    options: RunOptions = {},
  ) {
    this.clock = options.clock ?? new SystemClock();
    this.startedAt = this.clock.now();
    this.state = options.state ?? new MemoryStateBackend();
    this.deadLetters = options.deadLetters ?? new MemoryDeadLetterLedger();
    this.views = options.views ?? new MemoryViewStore();
    this.onCheckpoint = options.onCheckpoint;
    this.checkpointInterval = options.checkpointInterval;
    const pause = options.idleCheckpointPause;
    if (pause !== undefined && !(Number.isFinite(pause) && pause >= 0)) {
      throw new RangeError(`idleCheckpointPause must be a number of ms ≥ 0, got ${pause}`);
    }
    this.idleCheckpointPause = pause;
    if (options.restoreFrom !== undefined) this.nextCheckpointId = options.restoreFrom.id + 1;
    this.channel = new BoundedChannel(options.queueCapacity ?? 8);
    const env = {
      views: this.views,
      clock: this.clock,
      state: this.state,
      deadLetters: this.deadLetters,
      requestProcessingTime: (node: StepNode, time: number) => this.requestProcessingTime(node, time),
      reportSnapshot: (checkpointId: number, stepId: string, snapshot: unknown) => {
        this.pendingCheckpoints.get(checkpointId)?.steps &&
          (this.pendingCheckpoints.get(checkpointId)!.steps[stepId] = snapshot);
      },
    };
    const byId = new Map<string, StepNode>();
    for (const step of steps) {
      const operator = step.createOperator?.() ?? { processBatch() {} };
      const node = new StepNode(step.id, operator, step.inputs.length, env);
      step.inputs.forEach((input, i) => {
        byId.get(input.step.id)!.connect(node, i, input.edge);
      });
      byId.set(step.id, node);
      this.nodes.push(node);
      if (step.source !== undefined) {
        this.sourceNodes.push(node);
        this.sourceSteps.push(step);
      }
    }
    const restore = options.restoreFrom;
    if (restore?.state !== undefined) this.state.restore(restore.state);
    for (const node of this.nodes) node.open();
    if (restore !== undefined) {
      for (const node of this.nodes) {
        const saved = restore.steps[node.stepId];
        if (saved !== undefined) node.restore(saved as never);
      }
    }
    this.sourceSteps.forEach((step, i) => {
      const resumeFrom = restore?.sources[step.id];
      this.positions[i] = resumeFrom;
      this.blockedMs[i] = 0;
      this.blockedSince[i] = Number.NaN;
      this.eventTimeNodes[i] = this.eventTimeStepsOf(step, byId);
      this.readers.push(
        step.source!.connector.open({
          clock: this.clock,
          stepId: step.id,
          ...(resumeFrom === undefined ? {} : { resumeFrom }),
          ...(options.log === undefined ? {} : { log: options.log }),
          ...(options.logStart === undefined ? {} : { logStart: options.logStart }),
          ...(options.progress === undefined ? {} : { progress: options.progress }),
          ...(options.logStopAtEnd ? { logStopAtEnd: true } : {}),
        }),
      );
      this.openedAt[i] = this.readers[i]!.position();
    });
    this.done = this.run().then(
      () => {
        this.jobState = this.cancelled ? "stopped" : "completed";
      },
      (error: unknown) => {
        this.jobState = "failed";
        this.failure = error instanceof Error ? error.message : String(error);
        throw error;
      },
    );
    this.done.catch(() => {});
  }

  /** Takes a checkpoint at the next point between batches; resolves with its contents. */
  checkpoint(): Promise<Checkpoint> {
    const checkpointId = this.nextCheckpointId++;
    return new Promise<Checkpoint>((resolve, reject) => {
      this.pendingCheckpoints.set(checkpointId, {
        steps: {},
        resolve,
        reject,
        requestedAt: performance.now(),
      });
      this.channel.pushControl({ type: "barrier", checkpointId });
    });
  }

  /** Number of checkpoints completed by this job. */
  checkpointsCompleted = 0;

  /** Stops reading sources and ends the job without end-of-input firing (as a crash or cancel would). */
  async stop(): Promise<void> {
    if (!this.stopped) this.cancelled = true;
    this.stopped = true;
    this.channel.pushControl({ type: "tick" });
    await this.done.catch(() => {});
  }

  /**
   * Resolves once everything the sources could hand over without waiting on I/O has been processed and the
   * task loop is waiting for more (for tests that interleave input, clock moves and checks).
   */
  async settled(): Promise<void> {
    for (;;) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (this.stopped || (this.loopIdle && this.channel.length === 0)) return;
      await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
    }
  }

  /** Per-step counters and watermarks. */
  status(): StepStatus[] {
    return this.nodes.map((node, i) => ({
      id: node.stepId,
      verb: this.steps[i]!.verb,
      recordsIn: node.recordsIn,
      recordsOut: node.recordsOut,
      watermark: reportedWatermark(node.watermark),
      ended: node.hasEnded,
    }));
  }

  /**
   * Everything the job tells about itself: state, per-step counts, watermarks and processing time, sources
   * with positions and backpressure, checkpoints. Cheap: it reads counters kept per batch, e.g.
   * `const { state, steps } = job.stats()`. See job-stats.ts.
   */
  stats(): JobStats {
    const now = performance.now();
    const sources: SourceStats[] = this.sourceSteps.map((step, i) => {
      const since = this.blockedSince[i]!;
      let watermark = Number.NaN;
      for (const node of this.eventTimeNodes[i]!)
        if (!(node.watermark >= watermark)) watermark = node.watermark;
      return {
        step: step.id,
        kind: step.source!.connector.kind,
        stream: step.source!.connector.stream ?? null,
        position: this.positions[i] ?? this.openedAt[i] ?? null,
        watermark: Number.isNaN(watermark) ? null : reportedWatermark(watermark),
        blockedMs: this.blockedMs[i]! + (Number.isNaN(since) ? 0 : now - since),
      };
    });
    return {
      pipeline: this.pipelineName,
      state: this.jobState,
      error: this.failure,
      startedAt: this.startedAt,
      steps: this.nodes.map((node, i) => {
        const step = this.steps[i]!;
        return {
          id: node.stepId,
          verb: step.verb,
          inputs: step.inputs.map((input) => ({ step: input.step.id, edge: input.edge })),
          recordsIn: node.recordsIn,
          recordsOut: node.recordsOut,
          watermark: reportedWatermark(node.watermark),
          ended: node.hasEnded,
          processingMs: node.processingMs,
        };
      }),
      sources,
      checkpoints: {
        count: this.checkpointsCompleted,
        last: this.lastCheckpoint,
        intervalMs: this.checkpointInterval ?? null,
        idlePauseMs: this.idleCheckpointPause ?? null,
      },
    };
  }

  /**
   * Calls `listener` after each checkpoint commits (synchronously, in the task loop: keep it short; what it
   * throws is reported as an uncaught exception, never fails the job). Returns a function that removes it,
   * e.g. `const off = job.onCheckpointCommitted((c) => console.log(c.id, c.durationMs, c.bytes))`.
   */
  onCheckpointCommitted(listener: CheckpointListener): () => void {
    this.checkpointListeners.add(listener);
    return () => {
      this.checkpointListeners.delete(listener);
    };
  }

  /**
   * Calls `listener` with the milliseconds each source batch took to go through the whole pipeline (every
   * step it reached, timers it fired included), right after it did (synchronously: keep it short; what it
   * throws is reported as an uncaught exception). Costs two clock reads per batch while a listener is set.
   * Returns a function that removes it, e.g. `job.onBatchProcessed((ms) => histogram.observe(ms / 1000))`.
   */
  onBatchProcessed(listener: (ms: number) => void): () => void {
    this.batchListeners.add(listener);
    return () => {
      this.batchListeners.delete(listener);
    };
  }

  private async run(): Promise<void> {
    let active = this.readers.length;
    for (let i = 0; i < this.readers.length; i++) void this.pump(i);
    this.scheduleCheckpoint();
    let lastYield = performance.now();
    try {
      while (active > 0 && !this.stopped) {
        if (performance.now() - lastYield > YIELD_EVERY_MS) {
          // Let timers (checkpoints, processing time) and I/O in, even when sources never make us wait.
          await new Promise<void>((resolve) => setImmediate(resolve));
          lastYield = performance.now();
          continue;
        }
        let message = this.channel.poll();
        if (message === undefined) {
          if (this.idleCheckpointPause !== undefined && this.uncommitted && this.sourceWaitingForRoom()) {
            // Not caught up: a source has more at hand and pushes it once it runs.
            await new Promise<void>((resolve) => setImmediate(resolve));
            continue;
          }
          // Caught up: commit what was processed (its barrier is the next message) before waiting for more.
          if (this.requestIdleCheckpoint()) continue;
          this.loopIdle = true;
          const waiters = this.idleWaiters;
          this.idleWaiters = [];
          for (const w of waiters) w();
          await this.channel.waitForMessage();
          this.loopIdle = false;
          continue;
        }
        switch (message.type) {
          case "batch": {
            this.uncommitted = true;
            const b = message.batch;
            this.positions[message.source] = message.position;
            const node = this.sourceNodes[message.source]!;
            const base = this.sourceSteps[message.source]!.source!.partitionBase;
            node.recordsIn += b.items.length;
            const batch = batchOf(
              b.items,
              b.times ?? this.ingestTimes(b.items.length),
              undefined,
              base + b.partition,
            );
            if (this.batchListeners.size === 0) {
              node.emit(batch);
            } else {
              const started = performance.now();
              node.emit(batch);
              notifyEach(this.batchListeners, performance.now() - started);
            }
            break;
          }
          case "end":
            this.sourceNodes[message.source]!.finish();
            active--;
            break;
          case "failed":
            throw message.error;
          case "tick":
            if (this.fireProcessingTime()) this.uncommitted = true;
            break;
          case "barrier":
            this.completeCheckpoint(message.checkpointId);
            break;
        }
        message = undefined;
      }
      if (!this.stopped && active === 0) {
        // Everything has ended and fired: a final checkpoint commits the last output.
        const checkpointId = this.nextCheckpointId++;
        this.pendingCheckpoints.set(checkpointId, {
          steps: {},
          resolve: () => {},
          reject: () => {},
          requestedAt: performance.now(),
        });
        this.completeCheckpoint(checkpointId, true);
      }
    } finally {
      this.stopped = true;
      this.cancelScheduledTick?.();
      this.cancelCheckpointTimer?.();
      this.cancelIdleCheckpoint?.();
      this.loopIdle = true;
      for (const w of this.idleWaiters) w();
      this.idleWaiters = [];
      for (const [, pending] of this.pendingCheckpoints)
        pending.reject(new Error("job ended before the checkpoint"));
      await Promise.allSettled(this.readers.map((r) => r.close?.()));
      for (const step of this.steps) await step.sink?.close?.();
    }
  }

  private async pump(index: number): Promise<void> {
    const reader = this.readers[index]!;
    try {
      while (!this.stopped) {
        let batch = reader.next();
        if (batch instanceof Promise) batch = await batch;
        if (this.stopped) return;
        if (batch === null) {
          this.channel.pushControl({ type: "end", source: index });
          return;
        }
        if (batch.items.length === 0) continue;
        const wait = this.channel.push({ type: "batch", source: index, batch, position: reader.position() });
        if (wait !== undefined) {
          // Backpressure: measured per wait, never per record.
          const since = performance.now();
          this.blockedSince[index] = since;
          await wait;
          this.blockedMs[index]! += performance.now() - since;
          this.blockedSince[index] = Number.NaN;
        }
      }
    } catch (error) {
      this.channel.pushControl({ type: "failed", source: index, error });
    }
  }

  private ingestTimes(n: number): number[] {
    const now = this.clock.now();
    return new Array<number>(n).fill(now);
  }

  private scheduleCheckpoint(): void {
    const interval = this.checkpointInterval;
    if (interval === undefined || this.stopped) return;
    this.cancelCheckpointTimer = this.clock.schedule(interval, () => {
      this.cancelCheckpointTimer = undefined;
      if (this.stopped) return;
      this.checkpoint().then(
        () => this.scheduleCheckpoint(),
        () => {},
      );
    });
  }

  /** Whether a source's pump waits for room in the channel (it has a batch at hand). */
  private sourceWaitingForRoom(): boolean {
    return this.blockedSince.some((since) => !Number.isNaN(since));
  }

  /**
   * With `idleCheckpointPause`, at a loop that ran out of work with output not yet committed: requests a
   * checkpoint now (true: its barrier is in the channel), or once the pause since the last one has passed.
   */
  private requestIdleCheckpoint(): boolean {
    const pause = this.idleCheckpointPause;
    if (pause === undefined || !this.uncommitted || this.stopped || this.pendingCheckpoints.size > 0)
      return false;
    const wait = (this.lastCheckpoint?.at ?? this.startedAt) + pause - this.clock.now();
    if (wait <= 0) {
      this.checkpoint().catch(() => {});
      return true;
    }
    this.cancelIdleCheckpoint ??= this.clock.schedule(wait, () => {
      this.cancelIdleCheckpoint = undefined;
      this.requestIdleCheckpoint();
    });
    return false;
  }

  private completeCheckpoint(checkpointId: number, final = false): void {
    const pending = this.pendingCheckpoints.get(checkpointId);
    if (pending === undefined) return;
    this.uncommitted = false;
    // An idle checkpoint waiting for its pause now counts from this one.
    this.cancelIdleCheckpoint?.();
    this.cancelIdleCheckpoint = undefined;
    for (const node of this.sourceNodes) node.takeSnapshot(checkpointId);
    // Steps with no source upstream (none today) would be missed: snapshot any that did not report.
    for (const node of this.nodes) {
      if (!(node.stepId in pending.steps)) node.takeSnapshot(checkpointId);
    }
    const sources: Record<string, unknown> = {};
    this.sourceSteps.forEach((step, i) => {
      sources[step.id] = this.positions[i];
    });
    this.pendingCheckpoints.delete(checkpointId);
    const checkpoint: Checkpoint = {
      id: checkpointId,
      pipeline: this.pipelineName,
      sources,
      steps: pending.steps,
      ...(this.onCheckpoint === undefined ? { state: this.state.snapshot() } : {}),
      ...(final ? { final: true } : {}),
    };
    // Committed here, synchronously, so no record after the barrier can slip into it.
    const receipt = this.onCheckpoint?.(checkpoint) as Partial<CheckpointReceipt> | undefined;
    this.checkpointsCompleted++;
    const committed: CommittedCheckpoint = {
      id: checkpointId,
      final,
      sources,
      at: this.clock.now(),
      durationMs: performance.now() - pending.requestedAt,
      bytes: typeof receipt?.bytes === "number" ? receipt.bytes : null,
    };
    this.lastCheckpoint = committed;
    notifyEach(this.checkpointListeners, committed);
    pending.resolve(checkpoint);
  }

  /** The nearest steps downstream of a source that generate watermarks (its event-time steps). */
  private eventTimeStepsOf(source: LogicalStep, byId: ReadonlyMap<string, StepNode>): StepNode[] {
    const found: StepNode[] = [];
    const seen = new Set<string>([source.id]);
    let frontier = [source.id];
    while (frontier.length > 0) {
      const next: string[] = [];
      for (const step of this.steps) {
        if (seen.has(step.id) || !step.inputs.some((input) => frontier.includes(input.step.id))) continue;
        seen.add(step.id);
        const node = byId.get(step.id)!;
        if (node.operator.generatesWatermarks) found.push(node);
        else next.push(step.id);
      }
      frontier = next;
    }
    return found;
  }

  private requestProcessingTime(node: StepNode, time: number): void {
    this.processingRequests.push(time, node);
    this.scheduleTick();
  }

  private scheduleTick(): void {
    const next = this.processingRequests.peekTime();
    if (next >= this.scheduledTickAt || this.stopped) return;
    this.cancelScheduledTick?.();
    this.scheduledTickAt = next;
    this.cancelScheduledTick = this.clock.schedule(next - this.clock.now(), () => {
      this.scheduledTickAt = Number.POSITIVE_INFINITY;
      this.cancelScheduledTick = undefined;
      this.channel.pushControl({ type: "tick" });
    });
  }

  /** Fires the processing-time timers that are due; whether any was. */
  private fireProcessingTime(): boolean {
    const now = this.clock.now();
    const due = new Set<StepNode>();
    while (this.processingRequests.peekTime() <= now) due.add(this.processingRequests.pop()!);
    for (const node of due) node.processingTime(now);
    this.scheduleTick();
    return due.size > 0;
  }
}

export type { Batch };

/** Calls every listener with `value`; what one throws is reported as an uncaught exception, never to the job. */
function notifyEach<T>(listeners: Iterable<(value: T) => void>, value: T): void {
  for (const listener of listeners) {
    try {
      listener(value);
    } catch (error) {
      queueMicrotask(() => {
        throw error;
      });
    }
  }
}
