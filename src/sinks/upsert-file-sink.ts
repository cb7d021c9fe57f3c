/**
 * Keeps the latest row per key (an updating result such as a running average) and writes the final rows as
 * NDJSON when the input ends, in the order keys first appeared. For updating queries whose file must hold
 * the final value per key. Exactly-once across restarts: the rows are checkpointed and the file is written
 * whole at the end.
 */
import { writeFileSync } from "node:fs";
import type { Sink } from "./sink.js";

export class UpsertFileSink<T> implements Sink<T> {
  readonly kind = "upsert-file";
  private readonly latest = new Map<string, T>();

  constructor(
    readonly path: string,
    private readonly keyOf: (row: T) => string,
  ) {}

  write(items: readonly T[]): void {
    for (const row of items) this.latest.set(this.keyOf(row), row);
  }

  /** The rows so far are the sink's state: kept in the checkpoint, so a resumed job ends with the same file. */
  checkpoint(): Array<[string, T]> {
    return [...this.latest];
  }

  recover(saved: unknown): void {
    this.latest.clear();
    for (const [key, row] of (saved as Array<[string, T]> | null) ?? []) this.latest.set(key, row);
  }

  end(): void {
    let text = "";
    for (const row of this.latest.values()) text += `${JSON.stringify(row)}\n`;
    writeFileSync(this.path, text);
  }

  /** Rows held, one per key. */
  get size(): number {
    return this.latest.size;
  }
}
