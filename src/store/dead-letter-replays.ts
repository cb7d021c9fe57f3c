/**
 * Which dead letters a replay appended to which stream, kept in log.db and written in the same transaction as
 * the append. The ledger lives in state.db, another file: marking its entries after the append left a crash
 * window in which an entry was appended but not marked, and could be replayed twice. Here the append and the
 * mark commit together, so a dead letter is appended at most once; the ledger's own marks (what
 * `GET /v1/dlq` shows) are copied from this table when the store opens (`adoptInto`), which repairs the ones a
 * crash left out. A dead letter is named by its id and its `at` (ids restart if state.db is ever recreated).
 */
import type Database from "better-sqlite3";
import type { AppendedRange, StreamLog } from "./stream-log.js";

const SCHEMA = `
CREATE TABLE IF NOT EXISTS dead_letter_replays (
  dead_letter_id INTEGER PRIMARY KEY,
  dead_letter_at INTEGER NOT NULL,
  stream TEXT NOT NULL,
  offset INTEGER NOT NULL,
  at INTEGER NOT NULL
);`;

/** A dead letter as this table names it: its ledger id and the time it was written. */
export interface DeadLetterRef {
  readonly id: number;
  readonly at: number;
}

/** Where and when a dead letter was replayed. */
export interface LoggedReplay {
  readonly stream: string;
  readonly offset: number;
  readonly at: number;
}

/** E.g. `replays.append("readings", [{ id: 12, at }], [record], [eventTime], now)` → the offsets appended. */
export class DeadLetterReplays {
  private readonly insert: Database.Statement;
  private readonly byId: Database.Statement<[number, number], LoggedReplay>;
  private readonly appendTx: Database.Transaction<
    (
      stream: string,
      refs: readonly DeadLetterRef[],
      records: readonly unknown[],
      eventTimes: readonly (number | null)[],
      now: number,
    ) => AppendedRange
  >;

  constructor(db: Database.Database, log: StreamLog) {
    db.exec(SCHEMA);
    this.insert = db.prepare(
      "INSERT INTO dead_letter_replays (dead_letter_id, dead_letter_at, stream, offset, at) VALUES (?, ?, ?, ?, ?)",
    );
    this.byId = db.prepare(
      "SELECT stream, offset, at FROM dead_letter_replays WHERE dead_letter_id = ? AND dead_letter_at = ?",
    );
    this.appendTx = db.transaction((stream, refs, records, eventTimes, now) => {
      const first = log.endOffset(stream);
      // Marks first: a dead letter replayed already fails its insert before anything is appended.
      for (let i = 0; i < refs.length; i++) this.insert.run(refs[i]!.id, refs[i]!.at, stream, first + i, now);
      return log.append(stream, records, eventTimes, now);
    });
  }

  /**
   * Appends the records of dead letters `refs` (parallel arrays) to `stream` and marks them replayed, in one
   * transaction of log.db; throws, appending nothing, if one of them was replayed before.
   */
  append(
    stream: string,
    refs: readonly DeadLetterRef[],
    records: readonly unknown[],
    eventTimes: readonly (number | null)[],
    now: number,
  ): AppendedRange {
    return this.appendTx.immediate(stream, refs, records, eventTimes, now);
  }

  /** Where dead letter `ref` was replayed, or undefined if it never was, e.g. `replays.find({ id: 12, at })`. */
  find(ref: DeadLetterRef): LoggedReplay | undefined {
    return this.byId.get(ref.id, ref.at);
  }

  /**
   * Copies the marks into the ledger of state.db (`stateDb`, whose `dead_letters` table must exist), for
   * entries the ledger does not show as replayed (a crash between the two commits); returns how many.
   * `logPath` is this table's file, attached for one statement.
   */
  static adoptInto(stateDb: Database.Database, logPath: string): number {
    stateDb.prepare("ATTACH DATABASE ? AS replay_log").run(logPath);
    try {
      return stateDb
        .prepare(
          `UPDATE dead_letters SET replayed_at = r.at, replayed_stream = r.stream, replayed_offset = r.offset
           FROM replay_log.dead_letter_replays AS r
           WHERE dead_letters.id = r.dead_letter_id AND dead_letters.at = r.dead_letter_at
             AND dead_letters.replayed_at IS NULL`,
        )
        .run().changes;
    } finally {
      stateDb.exec("DETACH DATABASE replay_log");
    }
  }
}
