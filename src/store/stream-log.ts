/**
 * The stream log: an append-only log per named stream in log.db, with offsets 0, 1, 2, ... that are contiguous
 * and never reused. `append` returns after its transaction committed, so the caller can acknowledge the
 * records; retention deletes a prefix of the log and never renumbers what is left.
 *
 * Each stream has its own table (`log_<id>`) with one row per append (a large one takes several rows, see
 * log-batch.ts): the records' JSON as lines, their event times, the offset of the first record (the rowid,
 * so appends go to the end of one B-tree and a read is a range scan), the count, the ingest time and the
 * running maximum event time up to the row's last record. That maximum only grows with the offset, so a binary
 * search over the rows finds the first offset at a given event time in O(log n) lookups of the primary key.
 * Retention may cut a row: its records before the stream's start offset are no longer readable, and the row is
 * deleted once all of them are. log.db's `user_version` is the format: 2; a format-1 log (one row per record)
 * is converted when opened.
 */
import type Database from "better-sqlite3";
import {
  type BatchRow,
  type DecodedBatch,
  decodeBatch,
  eventTimesJson,
  logTableSql,
  MAX_RECORDS_PER_ROW,
  type RecordText,
  recordSizes,
  rowPayload,
} from "./log-batch.js";
import { upgradeLogFormat } from "./log-format.js";

/** The offsets an append got, both inclusive; an empty append gets `last = first - 1`. */
export interface AppendedRange {
  readonly first: number;
  readonly last: number;
}

/** Records read from a stream, in offset order, as parallel arrays. */
export interface LogRead {
  readonly offsets: number[];
  readonly eventTimes: (number | null)[];
  readonly records: unknown[];
}

export interface StreamInfo {
  readonly name: string;
  /** The first retained offset (= endOffset when the log is empty). */
  readonly startOffset: number;
  /** The next offset to be written. */
  readonly endOffset: number;
  /** Records retained: `endOffset - startOffset`. */
  readonly records: number;
  /** UTF-8 bytes of the retained records' JSON. */
  readonly bytes: number;
}

export interface RetentionPolicy {
  /** Delete records ingested more than this long before `now`. */
  readonly maxAgeMs?: number;
  /** Keep at most this many records. */
  readonly maxRecords?: number;
  /** Keep at most this many bytes (UTF-8 of the records' JSON, as `streams()` counts them). */
  readonly maxBytes?: number;
}

/** Told after an append committed, e.g. to wake a live reader. */
export interface AppendEvent extends AppendedRange {
  readonly stream: string;
}

export type AppendListener = (event: AppendEvent) => void;

export interface StreamLogOptions {
  /** Gets errors thrown by `onAppend` listeners (default: rethrown asynchronously, as an uncaught exception). */
  readonly onListenerError?: (error: unknown) => void;
}

interface StreamHandle {
  readonly id: number;
  readonly insert: Database.Statement;
  /** The first offset of the row holding an offset (the last row starting at or before it), or null. */
  readonly rowStartAt: Database.Statement;
  readonly rowsFrom: Database.Statement;
  readonly rowBoundsAt: Database.Statement;
  readonly firstRowWithTimeFrom: Database.Statement;
  readonly firstYoungFrom: Database.Statement;
  readonly bytesOfRowsBefore: Database.Statement;
  readonly sizesFrom: Database.Statement;
  readonly deleteBefore: Database.Statement;
  /** The last row decoded: a reader going through a row a part at a time splits it once. */
  cached: DecodedBatch | undefined;
  /** False while the stream may still vanish: its row was found inside a caller's transaction, not yet over. */
  committed: boolean;
}

interface RegistryRow {
  id: number;
  start_offset: number;
  end_offset: number;
  bytes: number;
  max_event_time: number | null;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS streams (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  start_offset INTEGER NOT NULL DEFAULT 0,
  end_offset INTEGER NOT NULL DEFAULT 0,
  bytes INTEGER NOT NULL DEFAULT 0,
  max_event_time INTEGER
);`;

/** Append-only stream logs over log.db, e.g. `log.append("readings", [r1, r2], [t1, t2], clock.now())`. */
export class StreamLog {
  private readonly handles = new Map<string, StreamHandle>();
  private readonly listeners = new Set<AppendListener>();
  private readonly registryByName: Database.Statement<[string], RegistryRow>;
  private readonly registryById: Database.Statement<[number], RegistryRow>;
  private readonly updateEnd: Database.Statement;
  private readonly updateStart: Database.Statement;
  private readonly listStreams: Database.Statement<[], RegistryRow & { name: string }>;
  private readonly appendTx: Database.Transaction<
    (
      stream: string,
      handle: StreamHandle,
      records: readonly unknown[],
      eventTimes: readonly (number | null)[] | undefined,
      ingestTime: number,
      texts: readonly (RecordText | undefined)[] | undefined,
    ) => number
  >;
  private readonly onListenerError: (error: unknown) => void;

  constructor(
    private readonly db: Database.Database,
    options: StreamLogOptions = {},
  ) {
    db.exec(SCHEMA);
    upgradeLogFormat(db);
    this.registryByName = db.prepare("SELECT * FROM streams WHERE name = ?");
    this.registryById = db.prepare("SELECT * FROM streams WHERE id = ?");
    this.updateEnd = db.prepare(
      "UPDATE streams SET end_offset = ?, bytes = bytes + ?, max_event_time = ? WHERE id = ?",
    );
    this.updateStart = db.prepare("UPDATE streams SET start_offset = ?, bytes = bytes - ? WHERE id = ?");
    this.listStreams = db.prepare("SELECT * FROM streams ORDER BY name");
    this.appendTx = db.transaction((stream, handle, records, eventTimes, ingestTime, texts) =>
      this.appendRows(stream, handle, records, eventTimes, ingestTime, texts),
    );
    this.onListenerError =
      options.onListenerError ??
      ((error) =>
        queueMicrotask(() => {
          throw error;
        }));
  }

  /**
   * Appends records (any JSON values) in one transaction and returns their offsets once it committed, e.g.
   * `log.append("clicks", events, events.map((e) => e.ts), clock.now())` → `{ first: 0, last: 99 }`.
   * `eventTimes` (ms, or null when unknown) runs parallel to `records`; `ingestTime` drives age retention.
   * `texts`, also parallel, may give a record's JSON as received (one line, parsing to a value equal to the
   * record, e.g. an NDJSON line that cleansing did not change), as a string or as UTF-8 bytes: it is stored
   * instead of serialising the record. Bytes that follow each other in one buffer, a newline apart, are stored
   * with one copy.
   */
  append(
    stream: string,
    records: readonly unknown[],
    eventTimes: readonly (number | null)[] | undefined,
    ingestTime: number,
    texts?: readonly (RecordText | undefined)[],
  ): AppendedRange {
    if (eventTimes !== undefined && eventTimes.length !== records.length) {
      throw new RangeError(
        `append to stream ${JSON.stringify(stream)}: ${records.length} records but ${eventTimes.length} event times`,
      );
    }
    if (texts !== undefined && texts.length !== records.length) {
      throw new RangeError(
        `append to stream ${JSON.stringify(stream)}: ${records.length} records but ${texts.length} texts`,
      );
    }
    if (!Number.isFinite(ingestTime)) {
      throw new RangeError(`append to stream ${JSON.stringify(stream)}: ingestTime must be a finite number`);
    }
    const handle = this.handle(stream, true)!;
    if (records.length === 0) {
      const end = this.endOffset(stream);
      return { first: end, last: end - 1 };
    }
    const first = this.appendTx.immediate(stream, handle, records, eventTimes, ingestTime, texts);
    const range: AppendEvent = { stream, first, last: first + records.length - 1 };
    if (this.db.inTransaction) {
      // Inside a caller's transaction (an ingest with its idempotency reply, a replay): nothing is committed yet.
      // Listeners hear of it once that transaction ended, and only if it committed.
      queueMicrotask(() => {
        // (A store closed meanwhile has no reader left to tell.)
        if (this.db.open && this.endOffset(stream) > range.last) this.tell(range);
      });
    } else {
      this.tell(range);
    }
    return { first: range.first, last: range.last };
  }

  private tell(range: AppendEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(range);
      } catch (error) {
        this.onListenerError(error);
      }
    }
  }

  /**
   * Up to `limit` records from `fromOffset` on, in offset order, e.g. `log.read("clicks", 100, 500)`. Offsets
   * below the start offset were deleted by retention: the read begins at the first retained one.
   */
  read(stream: string, fromOffset: number, limit: number): LogRead {
    const offsets: number[] = [];
    const eventTimes: (number | null)[] = [];
    const records: unknown[] = [];
    const handle = this.handle(stream, false);
    if (handle === undefined || limit <= 0) return { offsets, eventTimes, records };
    const registry = this.registryById.get(handle.id)!;
    let next = Math.max(fromOffset, registry.start_offset);
    while (next < registry.end_offset && records.length < limit) {
      const batch = this.batchAt(handle, next);
      if (batch === undefined) break;
      const end = Math.min(batch.first + batch.lines.length, next + (limit - records.length));
      for (let offset = next; offset < end; offset++) {
        const k = offset - batch.first;
        offsets.push(offset);
        eventTimes.push(batch.eventTimes === null ? null : batch.eventTimes[k]!);
        records.push(JSON.parse(batch.lines[k]!));
      }
      next = end;
    }
    return { offsets, eventTimes, records };
  }

  /** The next offset to be written: 0 for an empty or unknown stream, e.g. `log.endOffset("clicks")`. */
  endOffset(stream: string): number {
    return this.registryByName.get(stream)?.end_offset ?? 0;
  }

  /** The first retained offset (equal to `endOffset` when nothing is retained), e.g. `log.startOffset("clicks")`. */
  startOffset(stream: string): number {
    return this.registryByName.get(stream)?.start_offset ?? 0;
  }

  /**
   * The first retained offset whose record has event time ≥ `eventTime`, or null if there is none, e.g.
   * `log.offsetAtTime("clicks", Date.parse("2024-05-01"))`: replay from there to reprocess that day.
   */
  offsetAtTime(stream: string, eventTime: number): number | null {
    const handle = this.handle(stream, false);
    if (handle === undefined) return null;
    const row = this.registryById.get(handle.id)!;
    if (row.max_event_time === null || row.max_event_time < eventTime) return null;
    // Binary search for the first row whose running maximum reaches eventTime: no record before it does.
    let lo = row.start_offset;
    let hi = row.end_offset;
    while (lo < hi) {
      const mid = lo + Math.floor((hi - lo) / 2);
      const [first, count, runningMax] = handle.rowBoundsAt.get(mid) as [number, number, number | null];
      if (runningMax !== null && runningMax >= eventTime) hi = Math.max(lo, first);
      else lo = first + count;
    }
    // The running maximum counts records that retention deleted: then the answer may lie further on, in the
    // first row from there on holding a time that reaches eventTime.
    let from = lo;
    while (from < row.end_offset) {
      const batch = this.batchAt(handle, from);
      if (batch === undefined) return null;
      const times = batch.eventTimes;
      if (times !== null) {
        for (let k = from - batch.first; k < times.length; k++) {
          const t = times[k];
          if (t !== null && t !== undefined && t >= eventTime) return batch.first + k;
        }
      }
      const next = handle.firstRowWithTimeFrom.get(batch.first + batch.lines.length, eventTime) as
        | number
        | undefined;
      if (next === undefined) return null;
      from = next;
    }
    return null;
  }

  /** Every stream with its offsets and size, by name, e.g. for `GET /v1/streams`. */
  streams(): StreamInfo[] {
    return this.listStreams.all().map((row) => ({
      name: row.name,
      startOffset: row.start_offset,
      endOffset: row.end_offset,
      records: row.end_offset - row.start_offset,
      bytes: row.bytes,
    }));
  }

  /**
   * Deletes the oldest records: those ingested more than `maxAgeMs` before `now` (up to the first younger one),
   * those beyond the newest `maxRecords`, and as many more as it takes to get down to `maxBytes`. Offsets are
   * never renumbered. Returns how many were deleted, e.g.
   * `log.applyRetention("clicks", { maxAgeMs: 7 * 86_400_000 }, clock.now())`.
   */
  applyRetention(stream: string, policy: RetentionPolicy, now: number): number {
    const { maxAgeMs, maxRecords, maxBytes } = policy;
    if (maxRecords !== undefined && !(Number.isInteger(maxRecords) && maxRecords >= 0)) {
      throw new RangeError(`retention of ${JSON.stringify(stream)}: maxRecords must be an integer ≥ 0`);
    }
    if (maxBytes !== undefined && !(Number.isInteger(maxBytes) && maxBytes >= 0)) {
      throw new RangeError(`retention of ${JSON.stringify(stream)}: maxBytes must be an integer ≥ 0`);
    }
    if (maxAgeMs !== undefined && !(maxAgeMs >= 0)) {
      throw new RangeError(`retention of ${JSON.stringify(stream)}: maxAgeMs must be ≥ 0`);
    }
    const handle = this.handle(stream, false);
    if (handle === undefined) return 0;
    const retain = this.db.transaction(() => {
      const row = this.registryById.get(handle.id)!;
      let cutoff = row.start_offset;
      if (maxRecords !== undefined) cutoff = Math.max(cutoff, row.end_offset - maxRecords);
      if (maxAgeMs !== undefined && cutoff < row.end_offset) {
        // Every record of a row has the row's ingest time.
        const young = handle.firstYoungFrom.get(this.rowStart(handle, cutoff), now - maxAgeMs) as
          | number
          | undefined;
        cutoff = Math.max(cutoff, young ?? row.end_offset);
      }
      if (maxBytes !== undefined) {
        const kept = row.bytes - this.bytesBetween(handle, row.start_offset, cutoff);
        if (kept > maxBytes) cutoff = this.byteCutoff(handle, cutoff, row.end_offset, kept - maxBytes);
      }
      if (cutoff <= row.start_offset) return 0;
      const bytes = this.bytesBetween(handle, row.start_offset, cutoff);
      handle.deleteBefore.run(cutoff, cutoff);
      this.updateStart.run(cutoff, bytes, handle.id);
      return cutoff - row.start_offset;
    });
    return retain.immediate();
  }

  /**
   * Calls `listener` after every committed append (in this process), e.g. to wake a live reader without
   * polling; an append inside a caller's transaction is told once that transaction committed (in a microtask),
   * and never if it rolled back. Returns a function that removes it.
   */
  onAppend(listener: AppendListener): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  /** The row holding `offset`, decoded (the last one decoded is kept), or undefined when none does. */
  private batchAt(handle: StreamHandle, offset: number): DecodedBatch | undefined {
    const cached = handle.cached;
    if (cached !== undefined && offset >= cached.first && offset < cached.first + cached.lines.length) {
      return cached;
    }
    const row = handle.rowsFrom.get(this.rowStart(handle, offset)) as BatchRow | undefined;
    if (row === undefined || offset >= row[0] + row[1]) return undefined;
    handle.cached = decodeBatch(row);
    return handle.cached;
  }

  /** The first offset of the row holding `offset`, or `offset` itself when no row starts at or before it. */
  private rowStart(handle: StreamHandle, offset: number): number {
    return (handle.rowStartAt.get(offset) as number | null) ?? offset;
  }

  /** Bytes of the stored records from `from` to `to` (exclusive), both at or after the start offset. */
  private bytesBetween(handle: StreamHandle, from: number, to: number): number {
    if (to <= from) return 0;
    return this.bytesBefore(handle, to) - this.bytesBefore(handle, from);
  }

  /** Bytes of the stored records before `offset` (those of a row that retention cut count too). */
  private bytesBefore(handle: StreamHandle, offset: number): number {
    const start = handle.rowStartAt.get(offset) as number | null;
    if (start === null) return 0;
    const whole = (handle.bytesOfRowsBefore.get(start) as number | null) ?? 0;
    const [first, count, bytes, payload] = handle.sizesFrom.get(start) as [number, number, number, string];
    if (offset >= first + count) return whole + bytes;
    const sizes = recordSizes(payload);
    let part = 0;
    for (let k = 0; k < offset - first; k++) part += sizes[k]!;
    return whole + part;
  }

  /** The first offset to keep so that at least `excess` bytes from `from` on are deleted (oldest first). */
  private byteCutoff(handle: StreamHandle, from: number, end: number, excess: number): number {
    let dropped = 0;
    let next = from;
    while (next < end) {
      const [first, count, bytes, payload] = handle.sizesFrom.get(this.rowStart(handle, next)) as [
        number,
        number,
        number,
        string,
      ];
      if (next === first && dropped + bytes < excess) {
        dropped += bytes;
      } else {
        const sizes = recordSizes(payload);
        for (let k = next - first; k < count; k++) {
          dropped += sizes[k]!;
          if (dropped >= excess) return first + k + 1;
        }
      }
      next = first + count;
    }
    return end; // every record counted: keep none
  }

  private appendRows(
    stream: string,
    handle: StreamHandle,
    records: readonly unknown[],
    eventTimes: readonly (number | null)[] | undefined,
    ingestTime: number,
    texts: readonly (RecordText | undefined)[] | undefined,
  ): number {
    const registry = this.registryById.get(handle.id)!;
    const first = registry.end_offset;
    let runningMax = registry.max_event_time;
    let totalBytes = 0;
    const n = records.length;
    for (let from = 0; from < n; from += MAX_RECORDS_PER_ROW) {
      const to = Math.min(n, from + MAX_RECORDS_PER_ROW);
      let anyTime = false;
      let rowMax: number | null = null;
      if (eventTimes !== undefined) {
        for (let i = from; i < to; i++) {
          const eventTime = eventTimes[i] ?? null;
          if (eventTime !== null) {
            if (typeof eventTime !== "number" || !Number.isFinite(eventTime)) {
              throw new RangeError(
                `append to stream ${JSON.stringify(stream)}: record ${i}'s event time must be a finite number or null`,
              );
            }
            anyTime = true;
            if (rowMax === null || eventTime > rowMax) rowMax = eventTime;
          }
        }
      }
      const payload = rowPayload(stream, records, texts, from, to);
      if (rowMax !== null && (runningMax === null || rowMax > runningMax)) runningMax = rowMax;
      const bytes =
        (typeof payload === "string" ? Buffer.byteLength(payload) : payload.length) - (to - from - 1);
      totalBytes += bytes;
      handle.insert.run(
        first + from,
        to - from,
        ingestTime,
        rowMax,
        runningMax,
        bytes,
        anyTime ? eventTimesJson(eventTimes!, from, to) : null,
        payload,
      );
    }
    this.updateEnd.run(first + n, totalBytes, runningMax, handle.id);
    return first;
  }

  private handle(stream: string, create: boolean): StreamHandle | undefined {
    let handle = this.handles.get(stream);
    if (handle !== undefined) {
      if (handle.committed) return handle;
      // Found inside a caller's transaction: if that one rolled back, the stream went with it.
      if (this.registryById.get(handle.id) !== undefined) {
        handle.committed = !this.db.inTransaction;
        return handle;
      }
      this.handles.delete(stream);
    }
    let row = this.registryByName.get(stream);
    if (row === undefined) {
      if (!create) return undefined;
      if (typeof stream !== "string" || stream.length === 0)
        throw new RangeError("a stream name must be a non-empty string");
      const createStream = this.db.transaction(() => {
        const existing = this.registryByName.get(stream);
        if (existing !== undefined) return existing;
        const id = Number(
          this.db.prepare("INSERT INTO streams (name) VALUES (?)").run(stream).lastInsertRowid,
        );
        this.db.exec(logTableSql(`log_${id}`));
        return this.registryById.get(id)!;
      });
      row = createStream.immediate();
    }
    handle = this.prepareHandle(row.id);
    handle.committed = !this.db.inTransaction;
    this.handles.set(stream, handle);
    return handle;
  }

  private prepareHandle(id: number): StreamHandle {
    const t = `log_${id}`;
    const db = this.db;
    return {
      id,
      // Event times and payload may come as UTF-8 bytes: the casts store them as the TEXT they are.
      insert: db.prepare(`INSERT INTO ${t} VALUES (?, ?, ?, ?, ?, ?, CAST(? AS TEXT), CAST(? AS TEXT))`),
      rowStartAt: db.prepare(`SELECT max(first_offset) FROM ${t} WHERE first_offset <= ?`).pluck(),
      rowsFrom: db
        .prepare(
          `SELECT first_offset, count, event_times, payload FROM ${t} WHERE first_offset >= ? ORDER BY first_offset LIMIT 1`,
        )
        .raw(true),
      rowBoundsAt: db
        .prepare(
          `SELECT first_offset, count, running_max_event_time FROM ${t} WHERE first_offset <= ? ORDER BY first_offset DESC LIMIT 1`,
        )
        .raw(true),
      firstRowWithTimeFrom: db
        .prepare(
          `SELECT first_offset FROM ${t} WHERE first_offset >= ? AND max_event_time >= ? ORDER BY first_offset LIMIT 1`,
        )
        .pluck(),
      firstYoungFrom: db
        .prepare(
          `SELECT first_offset FROM ${t} WHERE first_offset >= ? AND ingest_time >= ? ORDER BY first_offset LIMIT 1`,
        )
        .pluck(),
      bytesOfRowsBefore: db.prepare(`SELECT sum(bytes) FROM ${t} WHERE first_offset < ?`).pluck(),
      sizesFrom: db
        .prepare(`SELECT first_offset, count, bytes, payload FROM ${t} WHERE first_offset = ?`)
        .raw(true),
      deleteBefore: db.prepare(`DELETE FROM ${t} WHERE first_offset < ? AND first_offset + count <= ?`),
      cached: undefined,
      committed: true,
    };
  }
}
