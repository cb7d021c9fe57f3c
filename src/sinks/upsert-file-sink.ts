/**
 * Keeps the latest row per key (an updating result such as a running average) and writes the final rows as
 * NDJSON when the input ends, in the order keys first appeared. For updating queries whose file must hold
 * the final value per key.
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
