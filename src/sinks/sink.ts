/**
 * The sink contract: where a stream's records leave the pipeline. Writes arrive batch by batch, in order;
 * `close` is awaited when the job ends. Each sink documents its delivery guarantee.
 */
export interface SinkContext {
  /** Id of the sink step, for errors and metrics. */
  readonly stepId: string;
}

export interface Sink<T> {
  /** What kind of sink this is, e.g. "collect", "stdout", "ndjson-file". */
  readonly kind: string;
  open?(context: SinkContext): void;
  /** Takes records with their event times. Must not keep the arrays (copy what you keep). */
  write(items: readonly T[], times: readonly number[]): void;
  /** Called once the input has ended, before close. */
  end?(): void;
  close?(): void | Promise<void>;
}
