/**
 * NDJSON records from bytes that arrive in pieces: an HTTP body chunk by chunk, or a WebSocket message whole.
 * Complete lines are decoded (UTF-8, strictly) and parsed as they arrive; the bytes after the last newline
 * wait for the next piece. Blank lines are skipped and a line's trailing `\r` is dropped. Each record keeps its
 * line as sent (`texts`), which the log stores unless cleansing changes the record, and its size for the
 * record size limit. A stream's line check (line-check.ts), when given, accepts plain lines without parsing
 * them. Malformed input is an ApiError naming the line: `malformed_ndjson` (with the line and the index the
 * record would have had), `invalid_utf8`, and `too_many_records` past the records limit.
 */
import { ApiError } from "./api-error.js";
import type { IngestBody, IngestBodyLimits } from "./ingest-body.js";
import type { LineCheck } from "./line-check.js";

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
  private readonly texts: string[] = [];
  /** Per record: its event time when the line check accepted it (null: none), else undefined. */
  private readonly checkedEventTimes: (number | null | undefined)[] = [];
  private anyChecked = false;
  private readonly decoder = new TextDecoder("utf-8", { fatal: true });
  /** Bytes of the line still arriving: the pieces after the last newline seen. */
  private pending: Buffer[] = [];
  private line = 0;
  /** Lines up to this many UTF-16 units × 3 are surely within the record size limit: no byte count. */
  private readonly maxCheap: number;
  private readonly maxRecordBytes: number;

  constructor(
    private readonly limits: IngestBodyLimits,
    private readonly holder: "request" | "message",
    private readonly check?: LineCheck,
  ) {
    this.maxRecordBytes = limits.maxRecordBytes ?? Number.POSITIVE_INFINITY;
    this.maxCheap = limits.maxRecordBytes ?? 0;
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
    const rest = Buffer.concat(this.pending);
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

  /**
   * Decodes the complete lines `bytes` holds (0x0A never occurs inside a UTF-8 sequence) at once; when they
   * are not valid UTF-8, decodes them one by one, so the error names the line.
   */
  private takeCompleteLines(bytes: Buffer): ApiError | undefined {
    let text: string;
    try {
      text = this.decoder.decode(bytes);
    } catch {
      let start = 0;
      for (let nl = bytes.indexOf(10); start <= bytes.length; nl = bytes.indexOf(10, start)) {
        const end = nl < 0 ? bytes.length : nl;
        let lineText: string;
        try {
          lineText = this.decoder.decode(bytes.subarray(start, end));
        } catch {
          return new ApiError(400, "invalid_utf8", `line ${this.line + 1}: not valid UTF-8`, {
            line: this.line + 1,
          });
        }
        const error = this.takeLine(lineText);
        if (error !== undefined) return error;
        start = end + 1;
      }
      return undefined;
    }
    let start = 0;
    for (let nl = text.indexOf("\n"); nl >= 0; nl = text.indexOf("\n", start)) {
      const error = this.takeLine(text.slice(start, nl));
      if (error !== undefined) return error;
      start = nl + 1;
    }
    return this.takeLine(text.slice(start));
  }

  private takeLine(text: string): ApiError | undefined {
    this.line++;
    const line = text.charCodeAt(text.length - 1) === 13 ? text.slice(0, -1) : text;
    // A line starting with "{" is not blank; others are checked.
    if (line.charCodeAt(0) !== 123 && line.trim() === "") return undefined;
    // UTF-16 units ≤ UTF-8 bytes ≤ 3 × units: count bytes only for a line that might be long.
    const size = line.length * 3 <= this.maxCheap ? line.length : Buffer.byteLength(line);
    const eventTime = this.check !== undefined && size <= this.maxRecordBytes ? this.check(line) : undefined;
    if (eventTime !== undefined) {
      this.records.push(undefined);
      this.anyChecked = true;
    } else {
      try {
        this.records.push(JSON.parse(line));
      } catch (error) {
        return new ApiError(
          400,
          "malformed_ndjson",
          `line ${this.line}: malformed JSON: ${(error as Error).message}`,
          { line: this.line, index: this.records.length },
        );
      }
    }
    this.checkedEventTimes.push(eventTime);
    this.texts.push(line);
    this.sizes.push(size);
    if (this.records.length > this.limits.maxRecordsPerRequest) {
      return tooManyRecords(this.limits.maxRecordsPerRequest, this.holder);
    }
    return undefined;
  }
}
