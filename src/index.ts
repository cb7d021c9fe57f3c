/**
 * Sluice: a real-time data pipeline engine for TypeScript. Build a Pipeline from sources, typed Stream
 * steps and sinks; run it in-process with event time, watermarks, windows, joins and keyed state.
 */

export * from "./aggregates/index.js";
export { type DurableRunOptions, startDurable } from "./checkpoint/durable-run.js";
export { fromCollection } from "./connectors/collection-source.js";
export { type GeneratorSourceOptions, generatorSource, SeededRandom } from "./connectors/generator-source.js";
export { PushSource, pushSource } from "./connectors/push-source.js";
export type { Source, SourceBatch, SourceContext, SourceReader } from "./connectors/source.js";
export { type StoredStreamOptions, storedStream } from "./connectors/stored-stream.js";
export {
  type LogStart,
  type StreamLogSourceOptions,
  streamLogSource,
} from "./connectors/stream-log-source.js";
export { type Clock, ManualClock, SystemClock } from "./core/clock.js";
export { type Duration, toMillis } from "./core/duration.js";
export { PipelineDefinitionError, SluiceError, StepFailure } from "./core/errors.js";
export { Pipeline, type StepOptions } from "./dataflow/pipeline.js";
export {
  type AggregateOptions,
  type EventTimeSettings,
  KeyedStream,
  Stream,
  WindowedStream,
  type WindowOptions,
  WindowResultStream,
} from "./dataflow/stream.js";
export type { JoinWindow } from "./joins/index.js";
export type { Anomaly, AnomalyDetectorOptions, AnomalyMethod } from "./operators/anomaly-detector.js";
export type { ListState, MapState, ValueState } from "./operators/keyed-state.js";
export type { KeyedProcessFunction, ProcessContext, TimeDomain, TimerService } from "./operators/process.js";
export type { Checkpoint } from "./runtime/checkpoint.js";
export type { DeadLetter, DeadLetterReason, DeadLetterSink } from "./runtime/dead-letter.js";
export { MemoryDeadLetterLedger } from "./runtime/dead-letter.js";
export { Job, type RunOptions, type StepStatus } from "./runtime/job.js";
export type {
  CheckpointListener,
  CheckpointReceipt,
  CheckpointStats,
  CommittedCheckpoint,
  JobState,
  JobStats,
  SourceStats,
  StepStats,
} from "./runtime/job-stats.js";
export type { Collector, Operator, OperatorContext } from "./runtime/operator.js";
export {
  createServer,
  decryptField,
  defineStream,
  encryptField,
  hashField,
  loadPiiKey,
  loadStreamsFile,
  maskValue,
  type PiiAction,
  PiiKey,
  type PiiPolicies,
  type RunningPipeline,
  type ServerOptions,
  type SluiceServer,
} from "./server/index.js";
export { CollectSink, collect } from "./sinks/collect-sink.js";
export { discard } from "./sinks/count-sink.js";
export { ndjsonFile } from "./sinks/ndjson-file-sink.js";
export type { Sink } from "./sinks/sink.js";
export { stdout } from "./sinks/stdout-sink.js";
export { type ViewOptions, view } from "./sinks/view-sink.js";
export { MemoryViewStore, type ViewWriter } from "./sinks/view-writer.js";
export { MemoryStateBackend } from "./state/memory-state-backend.js";
export type { StateBackend, StateTable } from "./state/state-backend.js";
export { EmbeddedStore } from "./store/index.js";
export type { Durability } from "./store/sqlite-database.js";
export type { WindowResult } from "./windows/aggregate-set.js";
export type { EmitMode } from "./windows/emit-mode.js";
export { session, sliding, tumbling, type WindowAssigner } from "./windows/window-assigner.js";
