/**
 * The typed stream API: Stream<T> with the stateless verbs (map, filter, flatMap, union, branch,
 * withEventTime, keyBy) and sinks; KeyedStream<T, K> with the keyed verbs (window, process, dedupe, joins);
 * WindowedStream and WindowResultStream for window aggregates, their late records and top-N.
 * These builder classes refer to each other (a KeyedStream is a Stream whose window results are again keyed
 * streams), and ES modules cannot evaluate such a class cycle across files, so they share this one file; the
 * work itself is done by the operators they create.
 */
import type { AggregateResults, AggregateSpec } from "../aggregates/aggregate-function.js";
import { type Duration, toMillis } from "../core/duration.js";
import { PipelineDefinitionError } from "../core/errors.js";
import {
  IntervalJoinOperator,
  type JoinWindow,
  TemporalJoinOperator,
  WindowCoGroupOperator,
  WindowJoinOperator,
} from "../joins/index.js";
import {
  type Anomaly,
  AnomalyDetectorOperator,
  type AnomalyDetectorOptions,
} from "../operators/anomaly-detector.js";
import { RouteOperator, RouteOutputOperator } from "../operators/branch.js";
import { DedupeOperator } from "../operators/dedupe.js";
import { EventTimeOperator } from "../operators/event-time.js";
import { FilterOperator } from "../operators/filter.js";
import { FlatMapOperator } from "../operators/flat-map.js";
import { KeyByOperator } from "../operators/key-by.js";
import { MapOperator } from "../operators/map.js";
import { type KeyedProcessFunction, ProcessOperator } from "../operators/process.js";
import { TopNOperator, type TopNOptions } from "../operators/top-n.js";
import { UnionOperator } from "../operators/union.js";
import type { Operator } from "../runtime/operator.js";
import type { Sink } from "../sinks/sink.js";
import { SinkOperator } from "../sinks/sink-operator.js";
import { AggregateSet, type WindowResult } from "../windows/aggregate-set.js";
import { AlignedWindowOperator } from "../windows/aligned-window-operator.js";
import type { EmitMode } from "../windows/emit-mode.js";
import { SessionWindowOperator } from "../windows/session-window-operator.js";
import type { AlignedWindows, WindowAssigner } from "../windows/window-assigner.js";
import type { LogicalStep } from "./logical-step.js";
import type { Pipeline, StepOptions } from "./pipeline.js";

export interface EventTimeSettings {
  /** How far behind the newest event time a record may arrive and still be on time, e.g. "5s". */
  readonly maxOutOfOrderness: Duration;
  /** A partition with no data for this long (processing time) stops holding the watermark back, e.g. "30s". */
  readonly idleTimeout?: Duration;
}

export class Stream<T> {
  /** @internal */
  constructor(
    readonly pipeline: Pipeline,
    /** @internal */ readonly step: LogicalStep,
  ) {}

  /** The id of the step that produces this stream. */
  get id(): string {
    return this.step.id;
  }

  /** One output per record, e.g. `s.map((r) => ({ ...r, tempF: r.temp * 1.8 + 32 }))`. */
  map<R>(fn: (record: T) => R, options: StepOptions = {}): Stream<R> {
    return this.chain("map", () => new MapOperator(fn), options);
  }

  /** Keeps records for which `predicate` holds, e.g. `s.filter((r) => r.temp > 30)`. */
  filter<S extends T>(predicate: (record: T) => record is S, options?: StepOptions): Stream<S>;
  filter(predicate: (record: T) => boolean, options?: StepOptions): Stream<T>;
  filter(predicate: (record: T) => boolean, options: StepOptions = {}): Stream<T> {
    return this.chain("filter", () => new FilterOperator(predicate), options);
  }

  /** Zero or more outputs per record, e.g. `s.flatMap((post) => post.tags)`. */
  flatMap<R>(fn: (record: T) => Iterable<R>, options: StepOptions = {}): Stream<R> {
    return this.chain("flat-map", () => new FlatMapOperator(fn), options);
  }

  /** Merges streams of the same type, e.g. `a.union(b, c)`; the watermark is the minimum of the inputs'. */
  union(...others: Stream<T>[]): Stream<T> {
    const step = this.pipeline.addStep(
      "union",
      [this, ...others].map((s) => ({ step: s.step, edge: "main" as const })),
      () => new UnionOperator(),
    );
    return new Stream<T>(this.pipeline, step);
  }

  /**
   * Splits the stream into named outputs; each record goes to the first route whose predicate holds, e.g.
   * `const { hot, cold } = s.branch({ hot: (r) => r.temp > 30, cold: () => true })`.
   */
  branch<N extends string>(
    routes: Record<N, (record: T) => boolean>,
    options: StepOptions = {},
  ): Record<N, Stream<T>> {
    const names = Object.keys(routes) as N[];
    if (names.length === 0) throw new PipelineDefinitionError("branch needs at least one route");
    const predicates = names.map((n) => routes[n]);
    const router = this.pipeline.addStep(
      "branch",
      [{ step: this.step, edge: "main" }],
      () => new RouteOperator(predicates) as Operator<unknown, unknown>,
      options,
    );
    const outputs = {} as Record<N, Stream<T>>;
    names.forEach((name, route) => {
      const step = this.pipeline.addStep(
        "branch-output",
        [{ step: router, edge: "main" }],
        () => new RouteOutputOperator(route) as Operator<unknown, unknown>,
        { id: `${router.id}.${name}` },
      );
      outputs[name] = new Stream<T>(this.pipeline, step);
    });
    return outputs;
  }

  /**
   * Takes event time from each record and makes watermarks, e.g.
   * `s.withEventTime((r) => r.ts, { maxOutOfOrderness: "5s", idleTimeout: "30s" })`.
   */
  withEventTime(
    timestamp: (record: T) => number,
    settings: EventTimeSettings,
    options: StepOptions = {},
  ): Stream<T> {
    const maxOutOfOrderness = toMillis(settings.maxOutOfOrderness, "maxOutOfOrderness");
    const idleTimeout =
      settings.idleTimeout === undefined ? undefined : toMillis(settings.idleTimeout, "idleTimeout");
    const partitions = this.step.partitions;
    return this.chain(
      "event-time",
      () => new EventTimeOperator(timestamp, { maxOutOfOrderness, idleTimeout }, partitions),
      options,
    );
  }

  /** Groups by a key for keyed steps (windows, process, joins, dedupe), e.g. `s.keyBy((r) => r.deviceId)`. */
  keyBy<K>(selector: (record: T) => K, options: StepOptions = {}): KeyedStream<T, K> {
    const step = this.pipeline.addStep(
      "key-by",
      [{ step: this.step, edge: "main" }],
      () => new KeyByOperator(selector) as Operator<unknown, unknown>,
      options,
    );
    return new KeyedStream<T, K>(this.pipeline, step);
  }

  /** Windows over the whole stream (one global key, null), e.g. `s.windowAll(tumbling("10s")).aggregate({ n: count() })`. */
  windowAll(assigner: WindowAssigner, options: WindowOptions = {}): WindowedStream<T, null> {
    return this.keyBy(() => null, options.id === undefined ? {} : { id: `${options.id}.key` }).window(
      assigner,
      options,
    );
  }

  /** Sends the stream to a sink, e.g. `s.to(collect())` or `s.to(ndjsonFile("out.ndjson"))`. */
  to(sink: Sink<T>, options: StepOptions = {}): void {
    this.pipeline.addStep(
      "sink",
      [{ step: this.step, edge: "main" }],
      () => new SinkOperator(sink) as Operator<unknown, unknown>,
      { ...options, sink: sink as Sink<unknown> },
    );
  }

  /** @internal Adds a single-input step after this one. */
  protected chain<R>(verb: string, create: () => Operator<T, R>, options: StepOptions): Stream<R> {
    const step = this.pipeline.addStep(
      verb,
      [{ step: this.step, edge: "main" }],
      create as () => Operator<unknown, unknown>,
      options,
    );
    return new Stream<R>(this.pipeline, step);
  }
}

export class KeyedStream<T, K> extends Stream<T> {
  /** Assigns records to windows per key, e.g. `keyed.window(tumbling("1m"), { allowedLateness: "30s" })`. */
  window(assigner: WindowAssigner, options: WindowOptions = {}): WindowedStream<T, K> {
    return new WindowedStream<T, K>(this, assigner, options);
  }

  /**
   * Runs user code per record with per-key state and timers, e.g.
   * `keyed.process({ onRecord(r, ctx) { const n = ctx.value<number>("n"); n.set((n.get() ?? 0) + 1); ctx.emit(n.get()!); } })`.
   * The output stays keyed by the same key. With `stateTtl` (e.g. `"1h"`), all of a key's state is deleted once
   * the watermark passes its last record's time + TTL (its timers still fire); default: state is kept.
   */
  process<R>(
    fn: KeyedProcessFunction<T, K, R>,
    options: StepOptions & { readonly stateTtl?: Duration } = {},
  ): KeyedStream<R, K> {
    const stateTtlMs =
      options.stateTtl === undefined ? undefined : toMillis(options.stateTtl, "process stateTtl");
    return this.keyedThen("process", () => new ProcessOperator<T, K, R>(fn, { stateTtlMs }), options);
  }

  /** Drops repeats of a key within `within` of event time of the last record let through, e.g. `keyed.dedupe({ within: "10m" })`. */
  dedupe(settings: { within: Duration }, options: StepOptions = {}): KeyedStream<T, K> {
    const within = toMillis(settings.within, "dedupe within");
    return this.keyedThen("dedupe", () => new DedupeOperator<T>(within), options);
  }

  /**
   * Per key, emits the records whose value is an outlier against the key's own baseline (a z-score over an
   * EWMA or a rolling window), scored in event-time order once the watermark passes them, e.g.
   * `readings.keyBy((r) => r.deviceId).detectAnomalies({ value: (r) => r.temp, method: "ewma", threshold: 4 })`.
   */
  detectAnomalies(
    settings: AnomalyDetectorOptions<T>,
    options: StepOptions = {},
  ): KeyedStream<Anomaly<T, K>, K> {
    new AnomalyDetectorOperator<T, K>(settings); // check the settings now, so bad ones fail when the pipeline is built
    return this.keyedThen("detect-anomalies", () => new AnomalyDetectorOperator<T, K>(settings), options);
  }

  /**
   * Window join: pairs the records of both streams with the same key in the same window, emitted when the
   * window closes, e.g. `clicks.windowJoin(views, tumbling("1m"), (click, view, w) => ({ click, view }))`.
   */
  windowJoin<R, O>(
    other: KeyedStream<R, K>,
    assigner: AlignedWindows,
    join: (left: T, right: R, window: JoinWindow) => O,
    options: StepOptions = {},
  ): KeyedStream<O, K> {
    return this.twoInput(
      "window-join",
      other,
      () => new WindowJoinOperator<T, R, O>({ assigner, join }),
      options,
    );
  }

  /**
   * Window co-group: per key and window, both sides' records as lists (either may be empty), e.g.
   * `a.windowCoGroup(b, tumbling("10s"), (as, bs, key, w) => (as.length && bs.length ? [{ key, w }] : []))`.
   */
  windowCoGroup<R, O>(
    other: KeyedStream<R, K>,
    assigner: AlignedWindows,
    coGroup: (lefts: T[], rights: R[], key: K, window: JoinWindow) => Iterable<O>,
    options: StepOptions = {},
  ): KeyedStream<O, K> {
    return this.twoInput(
      "window-co-group",
      other,
      () => new WindowCoGroupOperator<T, R, O, K>({ assigner, coGroup }),
      options,
    );
  }

  /**
   * Interval join: pairs l and r with the same key when r.time ∈ [l.time + lower, l.time + upper] (ms, both
   * inclusive; negative allowed), emitted as soon as both are there, e.g.
   * `orders.intervalJoin(shipments, { lower: 0, upper: "1h" }, (o, s) => ({ o, s }))`.
   */
  intervalJoin<R, O>(
    other: KeyedStream<R, K>,
    bounds: { lower: number | Duration; upper: number | Duration },
    join: (left: T, right: R) => O,
    options: StepOptions = {},
  ): KeyedStream<O, K> {
    const ms = (d: number | Duration, what: string) => (typeof d === "number" ? d : toMillis(d, what));
    const lower = ms(bounds.lower, "interval join lower bound");
    const upper = ms(bounds.upper, "interval join upper bound");
    if (lower > upper)
      throw new PipelineDefinitionError(`interval join needs lower ≤ upper, got [${lower}, ${upper}]`);
    return this.twoInput(
      "interval-join",
      other,
      () => new IntervalJoinOperator<T, R, O>({ lower, upper, join }),
      options,
    );
  }

  /**
   * Temporal join: looks each record up in the keyed table that `changelog` builds (upserts, and deletes
   * when `isDelete` says so), as of the record's event time; results come once the watermark passes it, e.g.
   * `orders.temporalJoin(rates, (order, rate) => ({ ...order, eur: order.usd * (rate?.rate ?? NaN) }))`.
   */
  temporalJoin<C, O>(
    changelog: KeyedStream<C, K>,
    join: (record: T, row: C | undefined) => O,
    options: StepOptions & { isDelete?: (change: C) => boolean; inner?: boolean } = {},
  ): KeyedStream<O, K> {
    const { isDelete, inner, ...stepOptions } = options;
    return this.twoInput(
      "temporal-join",
      changelog,
      () =>
        new TemporalJoinOperator<T, C, O>({
          join,
          ...(isDelete === undefined ? {} : { isDelete }),
          ...(inner === undefined ? {} : { inner }),
        }),
      stepOptions,
    );
  }

  /** @internal Adds a two-input step (this stream is input 0) whose output is keyed like its inputs. */
  protected twoInput<R, O>(
    verb: string,
    other: KeyedStream<R, K>,
    create: () => Operator<unknown, O>,
    options: StepOptions,
  ): KeyedStream<O, K> {
    const step = this.pipeline.addStep(
      verb,
      [
        { step: this.step, edge: "main" },
        { step: other.step, edge: "main" },
      ],
      create as () => Operator<unknown, unknown>,
      options,
    );
    return new KeyedStream<O, K>(this.pipeline, step);
  }

  /** @internal Adds a single-input step whose output keeps this stream's keys. */
  protected keyedThen<R>(
    verb: string,
    create: () => Operator<T, R>,
    options: StepOptions,
  ): KeyedStream<R, K> {
    const step = this.pipeline.addStep(
      verb,
      [{ step: this.step, edge: "main" }],
      create as () => Operator<unknown, unknown>,
      options,
    );
    return new KeyedStream<R, K>(this.pipeline, step);
  }
}

export interface WindowOptions extends StepOptions {
  /** How long after a window's end a late record may still update it (default 0). */
  readonly allowedLateness?: Duration;
  /** Where records too late to count go: "dlq" (default) or "output" to take them with `.late()`. */
  readonly late?: "dlq" | "output";
}

export interface AggregateOptions extends StepOptions {
  /** "final" (default): one result per window at close; "updates": a result after every change. */
  readonly emit?: EmitMode;
}

export class WindowedStream<T, K> {
  /** @internal */
  constructor(
    private readonly input: Stream<T>,
    private readonly assigner: WindowAssigner,
    private readonly options: WindowOptions,
  ) {}

  /**
   * Aggregates each key's window, e.g. `.aggregate({ n: count(), avgTemp: avg((r) => r.temp) })`.
   */
  aggregate<S extends AggregateSpec<T>>(
    spec: S,
    options: AggregateOptions = {},
  ): WindowResultStream<WindowResult<K, AggregateResults<S>>, K, T> {
    const assigner = this.assigner;
    const settings = {
      allowedLateness: toMillis(this.options.allowedLateness ?? 0, "allowedLateness"),
      emit: options.emit ?? "final",
    };
    const create = (): Operator<unknown, unknown> => {
      const aggregates = new AggregateSet<T>(spec);
      return (
        assigner.kind === "session"
          ? new SessionWindowOperator<T>(assigner, aggregates, settings)
          : new AlignedWindowOperator<T>(assigner, aggregates, settings)
      ) as Operator<unknown, unknown>;
    };
    new AggregateSet<T>(spec); // check the spec now, so a bad name fails when the pipeline is built
    const id = options.id ?? this.options.id;
    const step = this.input.pipeline.addStep("window", [{ step: this.input.step, edge: "main" }], create, {
      ...(id === undefined ? {} : { id }),
    });
    const result = new WindowResultStream<WindowResult<K, AggregateResults<S>>, K, T>(
      this.input.pipeline,
      step,
    );
    result.lateness = settings.allowedLateness;
    return result;
  }
}

export class WindowResultStream<
  R extends { key: K; windowStart: number; windowEnd: number },
  K,
  T,
> extends KeyedStream<R, K> {
  /** @internal */
  lateness = 0;

  /** The records that arrived too late for their window, as a stream (instead of the dead-letter ledger). */
  late(options: StepOptions = {}): Stream<T> {
    const step: LogicalStep = this.pipeline.addStep(
      "late-output",
      [{ step: this.step, edge: "late" }],
      () => ({ processBatch: (batch, out) => out.emit(batch) }) as Operator<unknown, unknown>,
      options,
    );
    return new Stream<T>(this.pipeline, step);
  }

  /**
   * Keeps the `n` best rows of each window, ranked, e.g. `.topN(3, { by: (r) => r.n })` → rows with `rank` 1..3.
   */
  topN(
    n: number,
    settings: Omit<TopNOptions<R>, "n">,
    options: StepOptions = {},
  ): KeyedStream<R & { rank: number }, K> {
    return this.keyedThen(
      "top-n",
      () => new TopNOperator<R>({ allowedLateness: this.lateness, ...settings, n }),
      options,
    );
  }
}
