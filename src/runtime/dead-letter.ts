/**
 * The dead-letter ledger contract: every record the pipeline cannot count (too late, or user code failed on
 * it) goes here with its reason and the step that rejected it, never silently away.
 */
export type DeadLetterReason = "late" | "failed" | "invalid";

export interface DeadLetter {
  readonly stepId: string;
  readonly reason: DeadLetterReason;
  readonly record: unknown;
  /** Event time of the record (ms since the epoch), when known. */
  readonly time: number;
  /** Processing time at which it was rejected. */
  readonly at: number;
  /** What went wrong, for `failed` and `invalid` records. */
  readonly error?: string;
}

export interface DeadLetterSink {
  write(entry: DeadLetter): void;
}

/** Keeps dead letters in memory, e.g. `job.deadLetters.entries.filter((d) => d.reason === "late")`. */
export class MemoryDeadLetterLedger implements DeadLetterSink {
  readonly entries: DeadLetter[] = [];
  write(entry: DeadLetter): void {
    this.entries.push(entry);
  }
}
