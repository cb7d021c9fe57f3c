/**
 * Writes one JSON line per record to a file, in large synchronous writes (one per batch). Guarantee:
 * at-least-once across restarts; within one run every record is written exactly once, in order.
 */
import { closeSync, openSync, writeSync } from "node:fs";
import type { Sink } from "./sink.js";

export interface NdjsonFileSinkOptions {
  /** Turns a record into its JSON text (default JSON.stringify). */
  readonly serialize?: (record: unknown) => string;
  /** Append to an existing file instead of replacing it. */
  readonly append?: boolean;
}

export class NdjsonFileSink<T> implements Sink<T> {
  readonly kind = "ndjson-file";
  private fd: number | undefined;
  private readonly serialize: (record: unknown) => string;
  /** Records written so far. */
  written = 0;

  constructor(
    readonly path: string,
    private readonly options: NdjsonFileSinkOptions = {},
  ) {
    this.serialize = options.serialize ?? JSON.stringify;
  }

  open(): void {
    this.fd = openSync(this.path, this.options.append ? "a" : "w");
  }

  write(items: readonly T[]): void {
    if (items.length === 0) return;
    const serialize = this.serialize;
    let text = "";
    for (let i = 0; i < items.length; i++) text += `${serialize(items[i])}\n`;
    writeSync(this.fd!, text);
    this.written += items.length;
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}

/** Writes records as NDJSON to `path`, e.g. `stream.to(ndjsonFile("out.ndjson"))`. */
export function ndjsonFile<T>(path: string, options: NdjsonFileSinkOptions = {}): NdjsonFileSink<T> {
  return new NdjsonFileSink<T>(path, options);
}
