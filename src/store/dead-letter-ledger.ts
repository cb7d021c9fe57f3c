/**
 * The dead-letter ledger in state.db: rejected, late and failed records with their reason, step, times and
 * origin. A processor's entries are buffered and written by `commitParticipant` in its checkpoint's
 * transaction, so records whose processing is replayed after a crash are not recorded twice; records rejected
 * at ingestion (never replayed) are written at once with `writeNow`.
 */
import type Database from "better-sqlite3";
import type { DeadLetter, DeadLetterReason, DeadLetterSink } from "../runtime/dead-letter.js";
import { type CommitParticipant, participant } from "./checkpoint-store.js";

/** Where a dead record came from, when known. */
export interface DeadLetterOrigin {
  readonly stream: string;
  readonly offset?: number;
}

/** A dead letter with its origin (the runtime's `DeadLetter` has none yet). */
export interface DeadLetterEntry extends DeadLetter {
  readonly origin?: DeadLetterOrigin;
}

/** A dead letter as stored. */
export interface StoredDeadLetter {
  /** Increasing in the order entries were stored; never reused. */
  readonly id: number;
  /** The pipeline whose ledger wrote it (null for ingestion). */
  readonly pipeline: string | null;
  readonly stepId: string;
  readonly reason: DeadLetterReason;
  readonly record: unknown;
  /** Event time of the record (ms), null when unknown. */
  readonly time: number | null;
  /** Processing time at which it was rejected. */
  readonly at: number;
  readonly error?: string;
  readonly origin?: DeadLetterOrigin;
  /** When `POST /v1/dlq/replay` sent it back through a stream (absent while it was not). */
  readonly replayedAt?: number;
  /** Where the replay appended it. */
  readonly replayedTo?: { readonly stream: string; readonly offset: number };
}

export interface DeadLetterFilter {
  readonly pipeline?: string;
  /** Origin stream. */
  readonly stream?: string;
  readonly stepId?: string;
  readonly reason?: DeadLetterReason;
  /** Only entries replayed (true) or not yet replayed (false). */
  readonly replayed?: boolean;
}

export interface DeadLetterListOptions extends DeadLetterFilter {
  /** At most this many entries (default 100). */
  readonly limit?: number;
  /** Only entries after this id in the chosen order: pass the last id of the previous page. */
  readonly afterId?: number;
  /** `asc`: oldest first (default, the order to replay in); `desc`: newest first. */
  readonly order?: "asc" | "desc";
}

export interface DeadLetterLedgerOptions {
  /** The pipeline this ledger writes for (stored with each entry); omit for ingestion. */
  readonly pipeline?: string;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS dead_letters (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  pipeline TEXT,
  step_id TEXT NOT NULL,
  reason TEXT NOT NULL,
  record TEXT,
  event_time REAL,
  at INTEGER NOT NULL,
  error TEXT,
  origin_stream TEXT,
  origin_offset INTEGER
);
CREATE INDEX IF NOT EXISTS dead_letters_stream ON dead_letters (origin_stream, id);
CREATE INDEX IF NOT EXISTS dead_letters_step ON dead_letters (step_id, id);
CREATE INDEX IF NOT EXISTS dead_letters_reason ON dead_letters (reason, id);
CREATE INDEX IF NOT EXISTS dead_letters_pipeline ON dead_letters (pipeline, id);`;

/** Columns added after the first release: ALTERed into an older file when missing. */
const REPLAY_COLUMNS: ReadonlyArray<[string, string]> = [
  ["replayed_at", "INTEGER"],
  ["replayed_stream", "TEXT"],
  ["replayed_offset", "INTEGER"],
];

type Row = [
  number,
  string | null,
  string,
  DeadLetterReason,
  string | null,
  number | null,
  number,
  string | null,
  string | null,
  number | null,
  number | null,
  string | null,
  number | null,
];

const COLUMNS =
  "id, pipeline, step_id, reason, record, event_time, at, error, origin_stream, origin_offset, replayed_at, replayed_stream, replayed_offset";
const INSERT_COLUMNS =
  "id, pipeline, step_id, reason, record, event_time, at, error, origin_stream, origin_offset";

/**
 * Dead letters in SQLite, e.g. `new SqliteDeadLetterLedger(stateDb, { pipeline: "iot" })` as a job's
 * `deadLetters`, with `ledger.commitParticipant` in each checkpoint commit.
 */
export class SqliteDeadLetterLedger implements DeadLetterSink {
  private pending: DeadLetterEntry[] = [];
  private readonly insert: Database.Statement;
  private readonly byId: Database.Statement;
  private readonly replayed: Database.Statement;
  private readonly queries = new Map<string, Database.Statement>();
  readonly pipeline: string | null;

  constructor(
    private readonly db: Database.Database,
    options: DeadLetterLedgerOptions = {},
  ) {
    db.exec(SCHEMA);
    addMissingColumns(db);
    this.pipeline = options.pipeline ?? null;
    this.insert = db.prepare(
      `INSERT INTO dead_letters (${INSERT_COLUMNS}) VALUES (NULL, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.byId = db.prepare(`SELECT ${COLUMNS} FROM dead_letters WHERE id = ?`).raw(true);
    this.replayed = db.prepare(
      "UPDATE dead_letters SET replayed_at = ?, replayed_stream = ?, replayed_offset = ? WHERE id = ? AND replayed_at IS NULL",
    );
  }

  /**
   * Records that an entry was replayed into `stream` at `offset` (the entry is kept), e.g.
   * `ledger.markReplayed(42, now, "readings", 1207)`; false when it was already marked or does not exist.
   */
  markReplayed(id: number, at: number, stream: string, offset: number): boolean {
    return this.replayed.run(at, stream, offset, id).changes === 1;
  }

  /** Buffers an entry until the next checkpoint commits (what the processor calls). */
  write(entry: DeadLetterEntry): void {
    this.pending.push(entry);
  }

  /** Writes an entry at once and returns its id, e.g. for a record rejected at ingestion. */
  writeNow(entry: DeadLetterEntry): number {
    return this.store(entry);
  }

  /** How many entries wait for the next commit. */
  get pendingCount(): number {
    return this.pending.length;
  }

  /** Forgets buffered entries, e.g. when a job recovers from its last checkpoint and will redo them. */
  discardPending(): void {
    this.pending = [];
  }

  /**
   * Writes the buffered entries in a checkpoint's transaction, e.g.
   * `checkpoints.commit(p, cp, [ledger.commitParticipant], now)`; emptied once it commits, kept if it rolls back.
   */
  readonly commitParticipant: CommitParticipant = this.createCommitParticipant();

  private createCommitParticipant(): CommitParticipant {
    let written: DeadLetterEntry[] | undefined;
    const write = () => {
      written = this.pending;
      for (const entry of written) this.store(entry);
      return undefined;
    };
    const committed = () => {
      if (written !== undefined && this.pending === written) this.pending = [];
      written = undefined;
    };
    const rolledBack = () => {
      written = undefined;
    };
    return participant(write, { committed, rolledBack });
  }

  /** One stored entry, or undefined, e.g. `ledger.get(42)`. */
  get(id: number): StoredDeadLetter | undefined {
    const row = this.byId.get(id) as Row | undefined;
    return row === undefined ? undefined : fromRow(row);
  }

  /**
   * Stored entries matching a filter, oldest first unless `order: "desc"`, e.g.
   * `ledger.list({ stream: "readings", reason: "invalid", limit: 50 })`; page on with `afterId`.
   */
  list(options: DeadLetterListOptions = {}): StoredDeadLetter[] {
    const { limit = 100, afterId, order = "asc" } = options;
    if (!(Number.isInteger(limit) && limit >= 0))
      throw new RangeError("dead letters: limit must be an integer ≥ 0");
    const [where, params] = conditions(options);
    if (afterId !== undefined) {
      where.push(order === "desc" ? "id < ?" : "id > ?");
      params.push(afterId);
    }
    const sql = `SELECT ${COLUMNS} FROM dead_letters${whereClause(where)} ORDER BY id ${order === "desc" ? "DESC" : "ASC"} LIMIT ?`;
    return (this.query(sql).all(...params, limit) as Row[]).map(fromRow);
  }

  /** How many stored entries match a filter, e.g. `ledger.count({ reason: "late" })`. */
  count(filter: DeadLetterFilter = {}): number {
    const [where, params] = conditions(filter);
    return this.query(`SELECT count(*) FROM dead_letters${whereClause(where)}`)
      .pluck()
      .get(...params) as number;
  }

  /** Deletes stored entries matching a filter (all with `{}`), now; returns how many. */
  clear(filter: DeadLetterFilter = {}): number {
    const [where, params] = conditions(filter);
    return this.query(`DELETE FROM dead_letters${whereClause(where)}`).run(...params).changes;
  }

  private store(entry: DeadLetterEntry): number {
    const origin = entry.origin;
    return Number(
      this.insert.run(
        this.pipeline,
        entry.stepId,
        entry.reason,
        encodeRecord(entry.record),
        Number.isFinite(entry.time) ? entry.time : null,
        entry.at,
        entry.error ?? null,
        origin?.stream ?? null,
        origin?.offset ?? null,
      ).lastInsertRowid,
    );
  }

  private query(sql: string): Database.Statement {
    let statement = this.queries.get(sql);
    if (statement === undefined) {
      statement = this.db.prepare(sql);
      if (statement.reader && !sql.startsWith("SELECT count")) statement.raw(true);
      this.queries.set(sql, statement);
    }
    return statement;
  }
}

function conditions(filter: DeadLetterFilter): [string[], unknown[]] {
  const where: string[] = [];
  const params: unknown[] = [];
  const add = (condition: string, value: unknown) => {
    if (value === undefined) return;
    where.push(condition);
    params.push(value);
  };
  add("pipeline = ?", filter.pipeline);
  add("origin_stream = ?", filter.stream);
  add("step_id = ?", filter.stepId);
  add("reason = ?", filter.reason);
  if (filter.replayed !== undefined) {
    where.push(filter.replayed ? "replayed_at IS NOT NULL" : "replayed_at IS NULL");
  }
  return [where, params];
}

function whereClause(where: string[]): string {
  return where.length === 0 ? "" : ` WHERE ${where.join(" AND ")}`;
}

/** A record as JSON text; one that is not JSON (a cycle, a bigint) is kept as its string form. */
function encodeRecord(record: unknown): string | null {
  try {
    const text = JSON.stringify(record);
    return text === undefined ? null : text;
  } catch {
    return JSON.stringify(String(record));
  }
}

function fromRow(row: Row): StoredDeadLetter {
  const [
    id,
    pipeline,
    stepId,
    reason,
    record,
    time,
    at,
    error,
    stream,
    offset,
    replayedAt,
    replayedTo,
    replayedOffset,
  ] = row;
  const entry: {
    -readonly [K in keyof StoredDeadLetter]: StoredDeadLetter[K];
  } = { id, pipeline, stepId, reason, record: record === null ? undefined : JSON.parse(record), time, at };
  if (error !== null) entry.error = error;
  if (stream !== null) entry.origin = offset === null ? { stream } : { stream, offset };
  if (replayedAt !== null) {
    entry.replayedAt = replayedAt;
    if (replayedTo !== null) entry.replayedTo = { stream: replayedTo, offset: replayedOffset ?? 0 };
  }
  return entry;
}

function addMissingColumns(db: Database.Database): void {
  const missing = () => {
    const present = new Set(
      (db.prepare("PRAGMA table_info(dead_letters)").all() as Array<{ name: string }>).map((c) => c.name),
    );
    return REPLAY_COLUMNS.filter(([name]) => !present.has(name));
  };
  if (missing().length === 0) return;
  // Another process may be opening the same store: look again under the write lock, then add.
  db.transaction(() => {
    for (const [name, type] of missing()) db.exec(`ALTER TABLE dead_letters ADD COLUMN ${name} ${type}`);
  }).immediate();
}
