/**
 * Materialized views in state.db: rows of (view, key) → JSON value, each with the time it was last updated.
 * Writes are buffered in memory and written by `commitParticipant` in the checkpoint's transaction, so
 * readers only ever see output covered by a committed checkpoint (exactly-once); reads go to the table.
 *
 * Values are stored as plain JSON, so SQL (`json_extract`) can read them; as in any JSON, NaN and ±Infinity
 * become null. A value is encoded when it is written, so a row that is not JSON fails there, naming its view
 * and key, rather than failing every later checkpoint.
 */
import type Database from "better-sqlite3";
import type { ViewWriter } from "../sinks/view-writer.js";
import { type CommitParticipant, participant } from "./checkpoint-store.js";

export interface ViewRow {
  readonly key: string;
  readonly value: unknown;
  /** Milliseconds, as given to `upsert`. */
  readonly updatedAt: number;
}

export interface ViewListOptions {
  /** At most this many rows (default 100). */
  readonly limit?: number;
  /** Skip this many rows first (default 0). */
  readonly offset?: number;
  /** `key`: ascending by key (default); `updated`: most recently updated first, then by key. */
  readonly order?: "key" | "updated";
}

export interface ViewInfo {
  readonly name: string;
  readonly rows: number;
  /** The pipeline whose ViewStore last wrote it (null: written through a store with no pipeline). */
  readonly pipeline: string | null;
}

export interface ViewStoreOptions {
  /** The pipeline writing through this store: it owns the views it writes (see `clearPipeline`). */
  readonly pipeline?: string;
}

/** A committed change of a view, as told to `onChange` listeners (value undefined: deleted). */
export interface ViewChange {
  readonly view: string;
  readonly key: string;
  readonly value?: unknown;
  readonly updatedAt?: number;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS view_rows (
  view TEXT NOT NULL,
  key TEXT NOT NULL,
  value TEXT NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (view, key)
);
CREATE INDEX IF NOT EXISTS view_rows_updated ON view_rows (view, updated_at);
CREATE TABLE IF NOT EXISTS view_names (name TEXT PRIMARY KEY, pipeline TEXT);`;

/** A pending write: the row, or DELETED. */
const DELETED = Symbol("deleted");
type Pending = { value: unknown; text: string; at: number } | typeof DELETED;

/**
 * Views over state.db, e.g. `views.upsert("device_stats", key, row, t)`, committed by
 * `checkpoints.commit(p, cp, [views.commitParticipant], now)`, read by `views.list("device_stats")`.
 * Each pipeline writes through its own ViewStore (its own buffer); any of them reads every view.
 */
export class ViewStore implements ViewWriter {
  private pending = new Map<string, Map<string, Pending>>();
  private readonly listeners = new Set<(changes: readonly ViewChange[]) => void>();
  private readonly upsertRow: Database.Statement;
  private readonly deleteRow: Database.Statement;
  private readonly addName: Database.Statement;
  private readonly getRow: Database.Statement<[string, string], { value: string; updated_at: number }>;
  private readonly listByKey: Database.Statement;
  private readonly listByUpdated: Database.Statement;
  private readonly listViews: Database.Statement<[], ViewInfo>;
  private readonly owner: string | null;

  constructor(
    private readonly db: Database.Database,
    options: ViewStoreOptions = {},
  ) {
    db.exec(SCHEMA);
    this.owner = options.pipeline ?? null;
    this.upsertRow = db.prepare(
      `INSERT INTO view_rows (view, key, value, updated_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (view, key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
    );
    this.deleteRow = db.prepare("DELETE FROM view_rows WHERE view = ? AND key = ?");
    this.addName = db.prepare(
      `INSERT INTO view_names (name, pipeline) VALUES (?, ?)
       ON CONFLICT (name) DO UPDATE SET pipeline = excluded.pipeline WHERE excluded.pipeline IS NOT NULL`,
    );
    this.getRow = db.prepare("SELECT value, updated_at FROM view_rows WHERE view = ? AND key = ?");
    this.listByKey = db
      .prepare("SELECT key, value, updated_at FROM view_rows WHERE view = ? ORDER BY key LIMIT ? OFFSET ?")
      .raw(true);
    this.listByUpdated = db
      .prepare(
        "SELECT key, value, updated_at FROM view_rows WHERE view = ? ORDER BY updated_at DESC, key LIMIT ? OFFSET ?",
      )
      .raw(true);
    this.listViews = db.prepare(
      "SELECT name, (SELECT count(*) FROM view_rows WHERE view = name) AS rows, pipeline FROM view_names ORDER BY name",
    );
  }

  /** Sets the row of `key` (buffered until the next commit), e.g. `views.upsert("stats", "dev-1", row, t)`. */
  upsert(view: string, key: string, value: unknown, at: number): void {
    this.rows(view).set(key, { value, text: encodeValue(view, key, value), at });
  }

  /** Deletes the row of `key` (buffered until the next commit). */
  delete(view: string, key: string): void {
    this.rows(view).set(key, DELETED);
  }

  /** How many row writes wait for the next commit. */
  get pendingCount(): number {
    let n = 0;
    for (const rows of this.pending.values()) n += rows.size;
    return n;
  }

  /** Forgets buffered writes, e.g. when a job recovers from its last checkpoint and will redo them. */
  discardPending(): void {
    this.pending = new Map();
  }

  /**
   * Writes the buffered rows in a checkpoint's transaction, e.g.
   * `checkpoints.commit(p, cp, [views.commitParticipant], now)`. The buffer is emptied once the transaction
   * commits, and kept if it rolls back.
   */
  readonly commitParticipant: CommitParticipant = this.createCommitParticipant();

  private createCommitParticipant(): CommitParticipant {
    let written: Map<string, Map<string, Pending>> | undefined;
    const write = () => {
      written = this.pending;
      let bytes = 0;
      for (const [view, rows] of written) {
        this.addName.run(view, this.owner);
        for (const [key, row] of rows) {
          if (row === DELETED) {
            this.deleteRow.run(view, key);
          } else {
            this.upsertRow.run(view, key, row.text, row.at);
            bytes += Buffer.byteLength(row.text);
          }
          bytes += Buffer.byteLength(key);
        }
      }
      return bytes;
    };
    const committed = () => {
      if (written === undefined) return;
      if (this.pending === written) this.pending = new Map();
      if (this.listeners.size > 0) this.tell(written);
      written = undefined;
    };
    const rolledBack = () => {
      written = undefined;
    };
    return participant(write, { committed, rolledBack });
  }

  /**
   * Calls `listener` with each commit's changes (in this process), e.g. to stream a view's changes as
   * Server-Sent Events. Returns a function that removes it.
   */
  onChange(listener: (changes: readonly ViewChange[]) => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  /** The committed row of `key`, or undefined, e.g. `views.get("device_stats", '"dev-1"')`. */
  get(view: string, key: string): ViewRow | undefined {
    const row = this.getRow.get(view, key);
    return row === undefined ? undefined : { key, value: JSON.parse(row.value), updatedAt: row.updated_at };
  }

  /** Committed rows of a view, e.g. `views.list("device_stats", { order: "updated", limit: 10 })`. */
  list(view: string, options: ViewListOptions = {}): ViewRow[] {
    const { limit = 100, offset = 0, order = "key" } = options;
    if (!(Number.isInteger(limit) && limit >= 0) || !(Number.isInteger(offset) && offset >= 0)) {
      throw new RangeError(`list of view ${JSON.stringify(view)}: limit and offset must be integers ≥ 0`);
    }
    const statement = order === "updated" ? this.listByUpdated : this.listByKey;
    return (statement.all(view, limit, offset) as Array<[string, string, number]>).map(
      ([key, value, updatedAt]) => ({
        key,
        value: JSON.parse(value),
        updatedAt,
      }),
    );
  }

  /** Every view written so far, with its committed row count, by name. */
  views(): ViewInfo[] {
    return this.listViews.all();
  }

  /** Deletes a view's committed rows and its name (now; not part of a checkpoint), and its buffered writes. */
  clear(view: string): void {
    this.db
      .transaction(() => {
        this.db.prepare("DELETE FROM view_rows WHERE view = ?").run(view);
        this.db.prepare("DELETE FROM view_names WHERE name = ?").run(view);
      })
      .immediate();
    this.pending.delete(view);
  }

  /** Clears every view a pipeline owns (now), e.g. before the pipeline starts over; returns their names. */
  clearPipeline(pipeline: string): string[] {
    const names = this.db
      .prepare("SELECT name FROM view_names WHERE pipeline = ?")
      .pluck()
      .all(pipeline) as string[];
    this.db
      .transaction(() => {
        for (const name of names) this.clear(name);
      })
      .immediate();
    return names;
  }

  private rows(view: string): Map<string, Pending> {
    let rows = this.pending.get(view);
    if (rows === undefined) this.pending.set(view, (rows = new Map()));
    return rows;
  }

  private tell(written: Map<string, Map<string, Pending>>): void {
    const changes: ViewChange[] = [];
    for (const [view, rows] of written) {
      for (const [key, row] of rows) {
        changes.push(row === DELETED ? { view, key } : { view, key, value: row.value, updatedAt: row.at });
      }
    }
    for (const listener of this.listeners) {
      try {
        listener(changes);
      } catch (error) {
        // The rows are committed: a listener's bug must not look like a failed checkpoint.
        queueMicrotask(() => {
          throw error;
        });
      }
    }
  }
}

function encodeValue(view: string, key: string, value: unknown): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch (error) {
    throw new TypeError(
      `view ${JSON.stringify(view)}, key ${JSON.stringify(key)}: row is not JSON: ${(error as Error).message}`,
    );
  }
  if (text === undefined)
    throw new TypeError(`view ${JSON.stringify(view)}, key ${JSON.stringify(key)}: row is not JSON`);
  return text;
}
