/**
 * One row of a stream log's table: the records of one append (or of a slice of a large one) as one text of
 * JSON lines, with their event times as a JSON array. Offsets stay per record: record k of the row has offset
 * `first_offset + k`. One row per batch instead of one per record makes an append one SQLite insert, and lets
 * the ingest path store the record text it received instead of serialising the parsed record again.
 */

/** A record's JSON text as UTF-8 bytes, `bytes[start..end)`: e.g. an NDJSON line as it was received. */
export interface Utf8Text {
  readonly bytes: Uint8Array;
  readonly start: number;
  readonly end: number;
}

/** A record's JSON text as given to the log: a string, or its UTF-8 bytes. */
export type RecordText = string | Utf8Text;

/** Records per row at most: a larger append takes several rows, so a read of part of one stays cheap. */
export const MAX_RECORDS_PER_ROW = 4096;

/** The table of one stream (format 2), e.g. `logTableSql("log_3")`. */
export function logTableSql(table: string): string {
  return `CREATE TABLE IF NOT EXISTS ${table} (
    first_offset INTEGER PRIMARY KEY,
    count INTEGER NOT NULL,
    ingest_time INTEGER NOT NULL,
    max_event_time INTEGER,
    running_max_event_time INTEGER,
    bytes INTEGER NOT NULL,
    event_times TEXT,
    payload TEXT NOT NULL
  );`;
}

/** A row's records, split into their JSON texts, with their event times. */
export interface DecodedBatch {
  readonly first: number;
  readonly lines: readonly string[];
  readonly eventTimes: readonly (number | null)[] | null;
}

/** The columns of a row as read: first offset, record count, event times (JSON array or null), payload. */
export type BatchRow = [number, number, string | null, string];

/** Splits a row into its records' texts and times, e.g. `decodeBatch(row).lines[3]` is offset first + 3. */
export function decodeBatch(row: BatchRow): DecodedBatch {
  const [first, count, times, payload] = row;
  const lines = count === 1 ? [payload] : payload.split("\n");
  if (lines.length !== count) {
    throw new Error(`stream log row at offset ${first} holds ${lines.length} records, not ${count}: corrupt`);
  }
  return { first, lines, eventTimes: times === null ? null : (JSON.parse(times) as (number | null)[]) };
}

/** UTF-8 bytes of each record of a row's payload, in order. */
export function recordSizes(payload: string): number[] {
  const lines = payload.split("\n");
  const ascii = Buffer.byteLength(payload) === payload.length;
  return lines.map((line) => (ascii ? line.length : Buffer.byteLength(line)));
}

/**
 * The event times `times[from..to)` as a JSON array in UTF-8 bytes, e.g. `[1714557600000,null,1714557600010]`.
 * Integers are written digit by digit: `String(n)` of a timestamp in milliseconds, which is no small integer
 * for V8, costs several times more, and a row holds thousands of them. Other numbers go through `String`.
 */
export function eventTimesJson(times: readonly (number | null)[], from: number, to: number): Buffer {
  const out = Buffer.allocUnsafe(2 + (to - from) * MAX_NUMBER_CHARS);
  let at = 0;
  out[at++] = 0x5b;
  for (let i = from; i < to; i++) {
    if (i > from) out[at++] = 0x2c;
    const t = times[i] ?? null;
    if (t === null) at += out.write("null", at, "latin1");
    else if (Number.isSafeInteger(t)) at = writeInteger(out, at, t);
    else at += out.write(String(t), at, "latin1");
  }
  out[at++] = 0x5d;
  return out.subarray(0, at);
}

/** The most characters a number takes in JSON, e.g. `-1.2345678901234567e-300`, and a comma. */
const MAX_NUMBER_CHARS = 25;

/** Writes a safe integer's decimal digits at `at`; returns the position after them. */
function writeInteger(out: Buffer, at: number, value: number): number {
  let n = value;
  if (n < 0) {
    out[at++] = 0x2d;
    n = -n;
  }
  // Two halves below 10^8 keep the digit arithmetic on small integers.
  const high = Math.floor(n / 1e8);
  const low = n - high * 1e8;
  if (high === 0) return writeDigits(out, at, low, 1);
  return writeDigits(out, writeDigits(out, at, high, 1), low, 8);
}

/** Writes `n` (0 ≤ n < 10^8) with at least `width` digits (zeros in front); returns the position after. */
function writeDigits(out: Buffer, at: number, n: number, width: number): number {
  let digits = 1;
  for (let rest = n; rest >= 10; rest = (rest / 10) | 0) digits++;
  if (digits < width) digits = width;
  let rest = n;
  for (let k = at + digits - 1; k >= at; k--) {
    const next = (rest / 10) | 0;
    out[k] = 0x30 + rest - next * 10;
    rest = next;
  }
  return at + digits;
}

/** A record's JSON text, or a TypeError naming the stream and record when it has none. */
export function encodeRecord(stream: string, record: unknown, index: number): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(record);
  } catch (error) {
    throw new TypeError(
      `append to stream ${JSON.stringify(stream)}: record ${index} is not JSON: ${(error as Error).message}`,
    );
  }
  if (text === undefined) {
    throw new TypeError(
      `append to stream ${JSON.stringify(stream)}: record ${index} is not JSON (it is ${typeof record})`,
    );
  }
  return text;
}

/**
 * The SQL (SQLite) selecting a stream's retained records as `offset, event_time, ingest_time, value` (the
 * record's JSON text), one row per record, e.g. for a read-only SQL view: `streamRecordsSql("log", 3)`.
 */
export function streamRecordsSql(schema: string, streamId: number): string {
  const t = `${schema}.log_${streamId}`;
  return `SELECT b.first_offset + r.key AS offset,
       CASE WHEN b.event_times IS NULL THEN NULL ELSE json_extract(b.event_times, '$[' || r.key || ']') END
         AS event_time,
       b.ingest_time AS ingest_time,
       CASE r.type WHEN 'object' THEN r.value WHEN 'array' THEN r.value WHEN 'text' THEN json_quote(r.value)
         WHEN 'true' THEN 'true' WHEN 'false' THEN 'false' WHEN 'null' THEN 'null'
         ELSE CAST(r.value AS TEXT) END AS value
     FROM ${t} AS b, json_each('[' || replace(b.payload, char(10), ',') || ']') AS r
     WHERE b.first_offset + r.key >= (SELECT start_offset FROM ${schema}.streams WHERE id = ${streamId})`;
}

/**
 * The payload of one row: records `from..to` as JSON lines. A string when every record is text or serialised;
 * bytes when some come as bytes — the records' own bytes when they are all one stretch of a buffer (lines of
 * one body), else a buffer they are copied into, a stretch at a time.
 */
export function rowPayload(
  stream: string,
  records: readonly unknown[],
  texts: readonly (RecordText | undefined)[] | undefined,
  from: number,
  to: number,
): string | Uint8Array {
  const parts: (string | Utf8Text)[] = [];
  let anyBytes = false;
  for (let i = from; i < to; i++) {
    const text = texts?.[i];
    if (text === undefined) {
      parts.push(encodeRecord(stream, records[i], i));
      continue;
    }
    if (typeof text === "string" ? text.length === 0 || text.includes("\n") : !isOneLine(text)) {
      throw new RangeError(
        `append to stream ${JSON.stringify(stream)}: record ${i}'s text must be one non-empty line of JSON`,
      );
    }
    if (typeof text === "string") {
      parts.push(text);
      continue;
    }
    anyBytes = true;
    const last = parts[parts.length - 1];
    // The line right after the last one in the same buffer, a newline between: the stretch grows.
    if (
      last !== undefined &&
      typeof last !== "string" &&
      last.bytes === text.bytes &&
      text.start === last.end + 1 &&
      text.bytes[last.end] === 10
    ) {
      parts[parts.length - 1] = { bytes: last.bytes, start: last.start, end: text.end };
    } else {
      parts.push(text);
    }
  }
  if (!anyBytes) return parts.join("\n");
  if (parts.length === 1) {
    const only = parts[0] as Utf8Text;
    return only.bytes.subarray(only.start, only.end);
  }
  let size = parts.length - 1;
  for (const part of parts)
    size += typeof part === "string" ? Buffer.byteLength(part) : part.end - part.start;
  const payload = Buffer.allocUnsafe(size);
  let at = 0;
  for (const part of parts) {
    if (at > 0) payload[at++] = 10;
    if (typeof part === "string") at += payload.write(part, at);
    else {
      payload.set(part.bytes.subarray(part.start, part.end), at);
      at += part.end - part.start;
    }
  }
  return payload;
}

/** Whether bytes hold one non-empty line: no newline within them. */
function isOneLine(text: Utf8Text): boolean {
  if (text.end <= text.start) return false;
  const newline = text.bytes.indexOf(10, text.start);
  return newline < 0 || newline >= text.end;
}
