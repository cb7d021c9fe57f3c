/**
 * Errors that name the step, the record and what to do about it.
 */
export class SluiceError extends Error {
  override readonly name: string = "SluiceError";
  constructor(
    message: string,
    readonly code: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

/** A pipeline was put together wrongly (found when it is built, before any record flows). */
export class PipelineDefinitionError extends SluiceError {
  override readonly name = "PipelineDefinitionError";
  constructor(message: string, details: Record<string, unknown> = {}) {
    super(message, "invalid_pipeline", details);
  }
}

/** User code threw while processing a record in step `stepId`. */
export class StepFailure extends SluiceError {
  override readonly name = "StepFailure";
  constructor(
    readonly stepId: string,
    cause: unknown,
    record?: unknown,
  ) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    super(`step "${stepId}" failed: ${reason}`, "step_failed", { stepId, record });
    this.cause = cause;
  }
}
