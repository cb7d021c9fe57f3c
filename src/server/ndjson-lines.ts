/**
 * NDJSON records from bytes that arrive in pieces: an HTTP body chunk by chunk, or a WebSocket message whole.
 * Complete lines are taken as they arrive; the bytes after the last newline wait for the next piece. Blank
 * lines are skipped and a line's trailing `\r` is dropped. A stream's line check (line-check.ts), when given,
 * accepts plain lines from their bytes, which the log then stores as sent; other lines are decoded (UTF-8,
 * strictly) and parsed. Each record keeps its line (`texts`: the bytes of an accepted line, the text of
 * another) and its size in bytes for the record size limit. Malformed input is an ApiError naming the line:
 * `malformed_ndjson` (with the line and the index the record would have had), `invalid_utf8`, and
 * `too_many_records` past the records limit.
 */
import type { RecordText } from "../store/log-batch.js";
import { ApiError } from "./api-error.js";
import type { IngestBody, IngestBodyLimits } from "./ingest-body.js";
import type { LineBatchCheck, LineCheck } from "./line-check.js";

/** A records limit error, naming what holds the records, e.g. `tooManyRecords(1000, "request")`. */
export function tooManyRecords(limit: number, holder: "request" | "message"): ApiError {
  return new ApiError(413, "too_many_records", `a ${holder} may hold at most ${limit} records`, { limit });
}

/**
 * Collects the records of one body, e.g. `const lines = new NdjsonLines(limits, "request", check)`, then
 * `lines.push(chunk)` per piece and `lines.end()`; each returns an error to stop at, or undefined; then
 * `lines.body()`.
 */
export class NdjsonLines {
  private readonly records: unknown[] = [];
  private readonly sizes: number[] = [];
  private readonly texts: RecordText[] = [];
  /** Per record: its event time when the line check accepted it (null: none), else undefined. */
  private readonly checkedEventTimes: (number | null | undefined)[] = [];
  private anyChecked = false;
  private readonly decoder = new TextDecoder("utf-8", { fatal: true });
  /** Bytes of the line still arriving: the pieces after the last newline seen. */
  private pending: Buffer[] = [];
  private line = 0;
  private readonly maxRecordBytes: number;

  constructor(
    private readonly limits: IngestBodyLimits,
    private readonly holder: "request" | "message",
    private readonly check?: LineCheck,
  ) {
    this.maxRecordBytes = limits.maxRecordBytes ?? Number.POSITIVE_INFINITY;
  }

  /** Takes the lines a piece completes; keeps the bytes after its last newline for the next piece. */
  push(bytes: Buffer): ApiError | undefined {
    const last = bytes.lastIndexOf(10);
    if (last < 0) {
      this.pending.push(bytes);
      return undefined;
    }
    const head = bytes.subarray(0, last);
    const complete = this.pending.length === 0 ? head : Buffer.concat([...this.pending, head]);
    this.pending = last + 1 < bytes.length ? [bytes.subarray(last + 1)] : [];
    return this.takeCompleteLines(complete);
  }

  /** Takes the last line (the bytes after the last newline). */
  end(): ApiError | undefined {
    // One piece stays a slice of its chunk (as every other line is): no copy.
    const rest = this.pending.length === 1 ? this.pending[0]! : Buffer.concat(this.pending);
    this.pending = [];
    return rest.length === 0 ? undefined : this.takeCompleteLines(rest);
  }

  /** What was collected; records the line check accepted are left unparsed (undefined). */
  body(): IngestBody {
    const { records, sizes, texts } = this;
    return this.anyChecked
      ? { records, sizes, texts, checkedEventTimes: this.checkedEventTimes }
      : { records, sizes, texts };
  }

  /** Takes the complete lines `bytes` holds (0x0A never occurs inside a UTF-8 sequence), in order. */
  private takeCompleteLines(bytes: Buffer): ApiError | undefined {
    const lines = this.check?.lines;
    if (lines !== undefined) return this.takeCheckedLines(bytes, lines);
    let start = 0;
    for (let nl = bytes.indexOf(10); nl >= 0; nl = bytes.indexOf(10, start)) {
      const error = this.takeLine(bytes, start, nl, this.check);
      if (error !== undefined) return error;
      start = nl + 1;
    }
    return this.takeLine(bytes, start, bytes.length, this.check);
  }

  /** The same, with the line check's answers (and the lines' ends) asked for many lines at a time. */
  private takeCheckedLines(bytes: Buffer, lines: LineBatchCheck): ApiError | undefined {
    let start = 0;
    for (;;) {
      const n = lines.scan(bytes, start, bytes.length);
      if (n === 0) throw new Error("the line check answered no line"); // it answers one at least
      for (let i = 0; i < n; i++) {
        const end = lines.lineEnd(i);
        const error = this.takeLine(bytes, start, end, lines.answer(i, bytes));
        if (error !== undefined) return error;
        if (end >= bytes.length) return undefined;
        start = end + 1;
      }
    }
  }

  /**
   * Takes the line `bytes[start..end)`: accepted by the line check as it is, else decoded (strictly) and
   * parsed. Its size is its UTF-8 bytes. `checked` is the line check to ask, or its answer for the line when
   * it was asked for many lines at once (undefined: in doubt, or no check).
   */
  private takeLine(
    bytes: Buffer,
    start: number,
    end: number,
    checked: LineCheck | number | null | undefined,
  ): ApiError | undefined {
    this.line++;
    if (end > start && bytes[end - 1] === 13) end--;
    const size = end - start;
    // A line starting with "{" is not blank; others are decoded to be checked.
    let text: string | undefined;
    if (start === end || bytes[start] !== 123) {
      text = this.decode(bytes, start, end);
      if (text === undefined) return this.invalidUtf8();
      if (text.trim() === "") return undefined;
    }
    const eventTime =
      size > this.maxRecordBytes || checked === undefined
        ? undefined
        : typeof checked === "function"
          ? checked(bytes, start, end)
          : checked;
    if (eventTime !== undefined) {
      this.records.push(undefined);
      this.texts.push({ bytes, start, end });
      this.anyChecked = true;
    } else {
      text ??= this.decode(bytes, start, end);
      if (text === undefined) return this.invalidUtf8();
      try {
        this.records.push(JSON.parse(text));
      } catch (error) {
        return new ApiError(
          400,
          "malformed_ndjson",
          `line ${this.line}: malformed JSON: ${(error as Error).message}`,
          { line: this.line, index: this.records.length },
        );
      }
      this.texts.push(text);
    }
    this.checkedEventTimes.push(eventTime);
    this.sizes.push(size);
    if (this.records.length > this.limits.maxRecordsPerRequest) {
      return tooManyRecords(this.limits.maxRecordsPerRequest, this.holder);
    }
    return undefined;
  }

  /** The line as text, or undefined when it is not UTF-8. */
  private decode(bytes: Buffer, start: number, end: number): string | undefined {
    try {
      return this.decoder.decode(bytes.subarray(start, end));
    } catch {
      return undefined;
    }
  }

  private invalidUtf8(): ApiError {
    return new ApiError(400, "invalid_utf8", `line ${this.line}: not valid UTF-8`, { line: this.line });
  }
}
