/**
 * Writes one JSON line per record to a file, in one synchronous write per batch. Guarantee: exactly-once
 * across restarts when the job checkpoints. At each checkpoint the sink records how many bytes the file
 * holds (after an fsync, with `fsync: true`); a job resuming from that checkpoint first truncates the file to
 * that length, so lines written after the checkpoint and lost with the crash are written once more, not twice.
 */
import { closeSync, fstatSync, fsyncSync, ftruncateSync, openSync, writeSync } from "node:fs";
import type { Sink } from "./sink.js";

export interface NdjsonFileSinkOptions {
  /** Turns a record into its JSON text (default JSON.stringify). */
  readonly serialize?: (record: unknown) => string;
  /** Append to an existing file instead of replacing it. */
  readonly append?: boolean;
  /** fsync at each checkpoint, so the recorded length survives power loss (default false: the OS page cache). */
  readonly fsync?: boolean;
}

interface SavedPosition {
  readonly bytes: number;
  readonly records: number;
}

export class NdjsonFileSink<T> implements Sink<T> {
  readonly kind = "ndjson-file";
  private fd: number | undefined;
  private readonly serialize: (record: unknown) => string;
  private bytes = 0;
  /** Records written so far (since the file was started, across restarts). */
  written = 0;

  constructor(
    readonly path: string,
    private readonly options: NdjsonFileSinkOptions = {},
  ) {
    this.serialize = options.serialize ?? JSON.stringify;
  }

  write(items: readonly T[]): void {
    if (items.length === 0) return;
    const serialize = this.serialize;
    let text = "";
    for (let i = 0; i < items.length; i++) text += `${serialize(items[i])}\n`;
    const buffer = Buffer.from(text, "utf8");
    writeSync(this.file(), buffer, 0, buffer.length, this.bytes);
    this.bytes += buffer.length;
    this.written += items.length;
  }

  checkpoint(): SavedPosition {
    if (this.options.fsync && this.fd !== undefined) fsyncSync(this.fd);
    return { bytes: this.bytes, records: this.written };
  }

  recover(saved: unknown): void {
    const position = saved as SavedPosition | null;
    if (position === null || position === undefined) return;
    if (this.fd === undefined) this.fd = openSync(this.path, "a+");
    closeSync(this.fd);
    this.fd = openSync(this.path, "r+");
    ftruncateSync(this.fd, position.bytes);
    this.bytes = position.bytes;
    this.written = position.records;
  }

  end(): void {
    this.file();
    if (this.options.fsync && this.fd !== undefined) fsyncSync(this.fd);
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }

  /** The open file: created (or emptied) on first use unless recovery opened it. */
  private file(): number {
    if (this.fd === undefined) {
      this.fd = openSync(this.path, this.options.append ? "a+" : "w");
      if (this.options.append) {
        // Appending: start after what is there.
        this.bytes = fstatSync(this.fd).size;
      }
    }
    return this.fd;
  }
}

/** Writes records as NDJSON to `path`, e.g. `stream.to(ndjsonFile("out.ndjson"))`. */
export function ndjsonFile<T>(path: string, options: NdjsonFileSinkOptions = {}): NdjsonFileSink<T> {
  return new NdjsonFileSink<T>(path, options);
}
