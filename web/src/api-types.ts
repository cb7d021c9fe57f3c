/**
 * The shapes of the HTTP API replies the dashboard reads (see docs/server.md). Fields being added by newer
 * servers (`ratePerSecond`, `dlq` on streams) are optional; `/v1/pipelines` may be missing altogether.
 */

export interface StreamSummary {
  readonly name: string;
  readonly schema: unknown;
  readonly key: string | null;
  readonly eventTime: string | null;
  readonly startOffset: number;
  readonly endOffset: number;
  readonly records: number;
  readonly bytes: number;
  readonly ratePerSecond?: number | null;
  /** Dead letters of this stream: a count, or counts per reason. */
  readonly dlq?: number | Record<string, number> | null;
}

export interface ViewInfo {
  readonly name: string;
  readonly rows: number;
  readonly pipeline: string | null;
}

export interface ViewRow {
  readonly key: string;
  readonly value: unknown;
  readonly updatedAt: number;
}

export type Watermark = number | null | "+inf";

export interface StepInfo {
  readonly id: string;
  readonly verb: string;
  readonly inputs: ReadonlyArray<{ readonly step: string; readonly edge: "main" | "late" }>;
  readonly recordsIn: number;
  readonly recordsOut: number;
  readonly inRate: number;
  readonly outRate: number;
  readonly watermark: Watermark;
  readonly watermarkLagMs: number | null;
  readonly processingMs: number;
  readonly ended: boolean;
}

export interface PipelineInfo {
  readonly name: string;
  readonly status: "running" | "completed" | "stopped" | "failed";
  readonly error: string | null;
  readonly startedAt: number;
  readonly steps: readonly StepInfo[];
  readonly checkpoints: {
    readonly count: number | null;
    readonly lastId: number | null;
    readonly lastAt: number | null;
    readonly lastDurationMs: number | null;
    readonly lastBytes: number | null;
    readonly intervalMs: number | null;
    readonly idlePauseMs: number | null;
  };
  readonly backpressure: { readonly blockedMs: number | null; readonly blockedRatio: number | null };
  readonly sources: ReadonlyArray<{
    readonly step: string;
    readonly stream: string | null;
    readonly position: number | null;
    readonly endOffset: number | null;
    readonly lag: number | null;
  }>;
}

export type DeadLetterReason = "invalid" | "late" | "failed";

export interface DeadLetter {
  readonly id: number;
  readonly pipeline: string | null;
  readonly stepId: string;
  readonly reason: DeadLetterReason;
  readonly record: unknown;
  readonly time: number | null;
  readonly at: number;
  readonly error?: string;
  readonly origin?: { readonly stream: string; readonly offset?: number };
}

export interface ReplayReply {
  readonly selected: number;
  readonly accepted: number;
  readonly rejected: number;
  readonly offsets: { readonly first: number; readonly last: number } | null;
  readonly errors: ReadonlyArray<{ readonly id: number; readonly reason: string }>;
}

export interface QueryReply {
  readonly columns: string[];
  readonly rows: unknown[][];
  readonly truncated: boolean;
}

/** What optional routes the server has (`GET /dashboard/capabilities`). */
export interface Capabilities {
  readonly pipelines: boolean;
  readonly dlqReplay: boolean;
}
