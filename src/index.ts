/**
 * Sluice: a real-time data pipeline engine for TypeScript. Build a Pipeline from sources, typed Stream
 * steps and sinks; run it in-process with event time, watermarks, windows, joins and keyed state.
 */
export { Pipeline, type StepOptions } from "./dataflow/pipeline.js";
export { Stream, type EventTimeSettings } from "./dataflow/stream.js";
export type { JoinWindow } from "./joins/index.js";
export { KeyedStream, WindowedStream, WindowResultStream, type WindowOptions, type AggregateOptions } from "./dataflow/stream.js";
export { tumbling, sliding, session, type WindowAssigner } from "./windows/window-assigner.js";
export type { WindowResult } from "./windows/aggregate-set.js";
export type { EmitMode } from "./windows/emit-mode.js";
export * from "./aggregates/index.js";
export type { KeyedProcessFunction, ProcessContext, TimerService, TimeDomain } from "./operators/process.js";
export type { ValueState, MapState, ListState } from "./operators/keyed-state.js";
export type { Source, SourceReader, SourceBatch, SourceContext } from "./connectors/source.js";
export { fromCollection } from "./connectors/collection-source.js";
export { pushSource, PushSource } from "./connectors/push-source.js";
export type { Sink } from "./sinks/sink.js";
export { collect, CollectSink } from "./sinks/collect-sink.js";
export { stdout } from "./sinks/stdout-sink.js";
export { ndjsonFile } from "./sinks/ndjson-file-sink.js";
export { Job, type RunOptions, type StepStatus } from "./runtime/job.js";
export type { Checkpoint } from "./runtime/checkpoint.js";
export type { DeadLetter, DeadLetterReason, DeadLetterSink } from "./runtime/dead-letter.js";
export { MemoryDeadLetterLedger } from "./runtime/dead-letter.js";
export type { Operator, Collector, OperatorContext } from "./runtime/operator.js";
export type { StateBackend, StateTable } from "./state/state-backend.js";
export { MemoryStateBackend } from "./state/memory-state-backend.js";
export { type Clock, SystemClock, ManualClock } from "./core/clock.js";
export { type Duration, toMillis } from "./core/duration.js";
export { SluiceError, PipelineDefinitionError, StepFailure } from "./core/errors.js";
