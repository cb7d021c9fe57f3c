/**
 * The HTTP server: streams declared with `defineStream` (JSON Schema, key and event-time fields, cleansing),
 * ingested through `POST /v1/streams/:stream/events` with durable acknowledgements and a dead-letter ledger
 * for rejected records; streams, views and dead letters read over HTTP; Prometheus metrics; health checks;
 * API keys with scopes; per-field PII policies; TLS; an audit log of admin actions; dead-letter replay;
 * structured logs. `createServer({ store, streams })` puts it together; see docs/server.md.
 */
export { ApiError, type ErrorBody } from "./api-error.js";
export { type ApiKeySpec, isLoopback, type Permission } from "./api-keys.js";
export type { AuditEntry } from "./audit-log.js";
export type { ReplayReply, ReplayRequest } from "./dlq-replay-route.js";
export { READY_MAX_LAG, type ReadyCheck } from "./health-route.js";
export type { IdempotencyStoreOptions } from "./idempotency-store.js";
export type { IngestError, IngestReply } from "./ingest-route.js";
export { ServerMetrics } from "./metrics.js";
export {
  decryptField,
  encryptField,
  hashField,
  loadPiiKey,
  PII_KEY_ENV,
  PiiKey,
  type PiiKeySource,
} from "./pii-key.js";
export { maskValue, type PiiAction, type PiiPolicies } from "./pii-policy.js";
export type { PipelineInfo, PipelineSourceInfo, PipelineStepInfo } from "./pipeline-info.js";
export { DEFAULT_RECORD_LIMITS, type RecordLimits } from "./record-limits.js";
export type { RunningPipeline } from "./running-pipeline.js";
export { createServer, type ServerOptions, type SluiceServer } from "./server.js";
export type { LogFormat, ServerLogOptions } from "./server-log.js";
export {
  type CleanseOptions,
  defineStream,
  type JsonSchema,
  type RecordValidation,
  type StreamDefinition,
  type StreamSpec,
} from "./stream-definition.js";
export { loadStreamsFile, StreamsFileError } from "./streams-file.js";
