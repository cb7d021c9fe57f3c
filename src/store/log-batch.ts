/**
 * One row of a stream log's table: the records of one append (or of a slice of a large one) as one text of
 * JSON lines, with their event times as a JSON array. Offsets stay per record: record k of the row has offset
 * `first_offset + k`. One row per batch instead of one per record makes an append one SQLite insert, and lets
 * the ingest path store the record text it received instead of serialising the parsed record again.
 */

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
