/**
 * Keyed state in state.db for one pipeline. Reads and writes go to in-memory Maps (as fast as the memory
 * backend); every `set` and `delete` marks its key dirty, and a checkpoint writes only the dirty keys, in the
 * checkpoint's transaction: incremental checkpoints. The pipeline's state is loaded from the file on first use
 * (or `reload`), so a restarted job sees exactly what the last checkpoint committed. Loading reads each table in
 * chunks of rows that SQLite glues into one JSON array, parsed at once: about five times faster than stepping
 * and decoding row by row (1M keys: ~1 s instead of ~5 s on a 2-core machine), which bounds recovery time.
 *
 * Keys are stored as canonical JSON (so 1 and "1" are different keys, and object keys compare by value);
 * values as exact JSON (`json-codec.ts`: Maps, NaN, ±Infinity survive). A value changed in place without
 * `set` is not seen as changed: write it back with `set`, as the keyed-state handles do.
 */
import type Database from "better-sqlite3";
import type { StateBackend, StateSnapshot, StateTable } from "../state/state-backend.js";
import { type CommitParticipant, participant } from "./checkpoint-store.js";
import { canonicalJson, decodeJson, encodeJson } from "./json-codec.js";

/** One key's new value, both as stored text. */
export interface StateUpsert {
  readonly stepId: string;
  readonly name: string;
  readonly key: string;
  readonly value: string;
}

/** One deleted key, as stored text. */
export interface StateDelete {
  readonly stepId: string;
  readonly name: string;
  readonly key: string;
}

/** What changed since the last `takeChanges`, encoded when taken. */
export interface StateChanges {
  /** Everything stored for the pipeline is deleted before the upserts (after `restore`). */
  readonly clear: boolean;
  readonly upserts: StateUpsert[];
  readonly deletes: StateDelete[];
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS state_tables (
  id INTEGER PRIMARY KEY,
  pipeline TEXT NOT NULL,
  step TEXT NOT NULL,
  name TEXT NOT NULL,
  UNIQUE (pipeline, step, name)
);
CREATE TABLE IF NOT EXISTS state_entries (
  table_id INTEGER NOT NULL,
  key TEXT NOT NULL,
  value TEXT NOT NULL,
  PRIMARY KEY (table_id, key)
) WITHOUT ROWID;`;

/** Creates the keyed-state tables if they are missing. */
export function createStateSchema(db: Database.Database): void {
  db.exec(SCHEMA);
}

/** Deletes every keyed-state entry of a pipeline (in the caller's transaction, if any). */
export function clearStoredState(db: Database.Database, pipeline: string): void {
  createStateSchema(db);
  db.prepare(
    "DELETE FROM state_entries WHERE table_id IN (SELECT id FROM state_tables WHERE pipeline = ?)",
  ).run(pipeline);
  db.prepare("DELETE FROM state_tables WHERE pipeline = ?").run(pipeline);
}

/** Rows read in the first chunk of a table when loading; later chunks are sized to about CHUNK_CHARS of text. */
const FIRST_CHUNK_ROWS = 1024;
const MAX_CHUNK_ROWS = 262_144;
const CHUNK_CHARS = 16 * 1024 * 1024;

/** A table whose changes are tracked: a Map of values and the set of keys changed since the last checkpoint. */
class TrackedTable<V> implements StateTable<V> {
  readonly values = new Map<unknown, V>();
  readonly dirty = new Set<unknown>();
  /** Object keys by their canonical JSON, so equal objects are one key (as they are once stored). */
  private objectKeys: Map<string, unknown> | undefined;

  constructor(
    readonly stepId: string,
    readonly name: string,
  ) {}

  get(key: unknown): V | undefined {
    return this.values.get(typeof key === "object" && key !== null ? this.intern(key, false) : key);
  }

  set(key: unknown, value: V): void {
    if (typeof key === "object" && key !== null) key = this.intern(key, true);
    this.values.set(key, value);
    this.dirty.add(key);
  }

  delete(key: unknown): void {
    if (typeof key === "object" && key !== null) {
      const canonical = canonicalJson(key);
      key = this.objectKeys?.get(canonical);
      if (key === undefined) return;
      this.objectKeys!.delete(canonical);
    }
    if (this.values.delete(key)) this.dirty.add(key);
  }

  has(key: unknown): boolean {
    return this.values.has(typeof key === "object" && key !== null ? this.intern(key, false) : key);
  }

  keys(): IterableIterator<unknown> {
    return this.values.keys();
  }

  get size(): number {
    return this.values.size;
  }

  clear(): void {
    this.values.clear();
    this.dirty.clear();
    this.objectKeys = undefined;
  }

  /** Puts loaded entries, `[key, value, key, value, …]`, without marking them changed. */
  load(flat: readonly unknown[]): void {
    const values = this.values;
    for (let i = 0; i < flat.length; i += 2) {
      let key = flat[i];
      if (typeof key === "object" && key !== null) key = this.intern(key, true);
      values.set(key, flat[i + 1] as V);
    }
  }

  private intern(key: object, add: boolean): unknown {
    const canonical = canonicalJson(key);
    const known = this.objectKeys?.get(canonical);
    if (known !== undefined || !add) return known;
    (this.objectKeys ??= new Map()).set(canonical, key);
    return key;
  }
}

/**
 * A durable StateBackend for one pipeline, e.g. `new SqliteStateBackend(stateDb, "iot")`; at each checkpoint
 * pass `backend.commitParticipant` to `CheckpointStore.commit`.
 */
export class SqliteStateBackend implements StateBackend {
  private readonly tables = new Map<string, TrackedTable<unknown>>();
  /** Set by `restore`: the next checkpoint replaces everything stored. */
  private cleared = false;
  private readonly upsert: Database.Statement;
  private readonly remove: Database.Statement;
  private readonly tableId: Database.Statement;
  private readonly addTable: Database.Statement;
  private readonly storedTables: Database.Statement;
  private readonly chunk: Database.Statement;
  /** False until the file's state is first loaded (on first use), so a backend built and then reloaded loads once. */
  private loaded = false;

  constructor(
    private readonly db: Database.Database,
    readonly pipeline: string,
  ) {
    createStateSchema(db);
    this.upsert = db.prepare(
      "INSERT INTO state_entries (table_id, key, value) VALUES (?, ?, ?) ON CONFLICT (table_id, key) DO UPDATE SET value = excluded.value",
    );
    this.remove = db.prepare("DELETE FROM state_entries WHERE table_id = ? AND key = ?");
    this.tableId = db
      .prepare("SELECT id FROM state_tables WHERE pipeline = ? AND step = ? AND name = ?")
      .pluck();
    this.addTable = db.prepare("INSERT INTO state_tables (pipeline, step, name) VALUES (?, ?, ?)");
    this.storedTables = db
      .prepare("SELECT id, step, name FROM state_tables WHERE pipeline = ? ORDER BY id")
      .raw(true);
    // The next `limit` rows after `after` in key order, as `key,value,key,value…` (each stored text is JSON, so
    // wrapped in brackets they parse as one array), with the last key for the next chunk and the row count.
    this.chunk = db
      .prepare(
        `SELECT group_concat(key || ',' || value, ','), max(key), count(*) FROM
           (SELECT key, value FROM state_entries WHERE table_id = ? AND key > ? ORDER BY key LIMIT ?)`,
      )
      .raw(true);
  }

  table<V>(stepId: string, name: string): StateTable<V> {
    if (!this.loaded) this.reload();
    const id = `${stepId}\u0000${name}`;
    let table = this.tables.get(id);
    if (table === undefined) {
      table = new TrackedTable(stepId, name);
      this.tables.set(id, table);
    }
    return table as StateTable<V>;
  }

  snapshot(): StateSnapshot {
    if (!this.loaded) this.reload();
    const out: StateSnapshot = [];
    for (const { stepId, name, values } of this.tables.values()) {
      out.push([stepId, name, structuredClone([...values.entries()])]);
    }
    return out;
  }

  restore(snapshot: StateSnapshot): void {
    this.loaded = true; // replaced wholesale: what the file holds no longer matters
    for (const table of this.tables.values()) table.clear();
    for (const [stepId, name, entries] of snapshot) {
      const table = this.table<unknown>(stepId, name);
      for (const [k, v] of structuredClone(entries)) table.set(k, v);
    }
    this.cleared = true;
  }

  /** Drops everything in memory, changes not yet written included, and loads what the file holds. */
  reload(): void {
    this.loaded = true;
    for (const table of this.tables.values()) table.clear();
    this.cleared = false;
    for (const [tableId, step, name] of this.storedTables.all(this.pipeline) as Array<
      [number, string, string]
    >) {
      let table: TrackedTable<unknown> | undefined;
      let after = "";
      let limit = FIRST_CHUNK_ROWS;
      for (;;) {
        const [text, last, rows] = this.chunk.get(tableId, after, limit) as [
          string | null,
          string | null,
          number,
        ];
        if (rows === 0 || text === null || last === null) break;
        // decodeJson revives tags element by element, exactly as it would each text on its own.
        const flat = decodeJson(`[${text}]`) as unknown[];
        if (flat.length !== rows * 2) {
          throw new Error(
            `state of pipeline ${JSON.stringify(this.pipeline)}, step ${JSON.stringify(step)}, ${JSON.stringify(name)}: ` +
              `a chunk of ${rows} stored entries decoded to ${flat.length / 2}; the state file may be corrupt`,
          );
        }
        table ??= this.table(step, name) as TrackedTable<unknown>;
        table.load(flat);
        if (rows < limit) break;
        after = last;
        // Aim at chunks of about CHUNK_CHARS of text, however large the values are.
        limit = Math.max(1, Math.min(MAX_CHUNK_ROWS, Math.floor((CHUNK_CHARS * rows) / text.length)));
      }
    }
  }

  /**
   * The keys set or deleted since the last call, with their current values encoded now (call it at the
   * checkpoint barrier), e.g. `backend.writeChanges(backend.takeChanges())` inside the checkpoint transaction.
   */
  takeChanges(): StateChanges {
    const clear = this.cleared;
    this.cleared = false;
    const upserts: StateUpsert[] = [];
    const deletes: StateDelete[] = [];
    for (const table of this.tables.values()) {
      const { stepId, name, values, dirty } = table;
      if (clear) {
        for (const [key, value] of values)
          upserts.push({ stepId, name, key: canonicalJson(key), value: encodeJson(value) });
      } else {
        for (const key of dirty) {
          if (values.has(key)) {
            upserts.push({ stepId, name, key: canonicalJson(key), value: encodeJson(values.get(key)) });
          } else {
            deletes.push({ stepId, name, key: canonicalJson(key) });
          }
        }
      }
      dirty.clear();
    }
    return { clear, upserts, deletes };
  }

  /**
   * Writes changes from `takeChanges` in the caller's open transaction (a checkpoint's); returns the bytes of
   * keys and values written.
   */
  writeChanges(changes: StateChanges): number {
    if (!this.db.inTransaction) {
      throw new Error(
        `state of pipeline ${JSON.stringify(this.pipeline)}: writeChanges must run inside the checkpoint's transaction`,
      );
    }
    if (changes.clear) clearStoredState(this.db, this.pipeline);
    const ids = new Map<string, number>();
    const idOf = (stepId: string, name: string): number => {
      const id = `${stepId}\u0000${name}`;
      let tableId = ids.get(id);
      if (tableId === undefined) {
        tableId =
          (this.tableId.get(this.pipeline, stepId, name) as number | undefined) ??
          Number(this.addTable.run(this.pipeline, stepId, name).lastInsertRowid);
        ids.set(id, tableId);
      }
      return tableId;
    };
    let bytes = 0;
    for (const { stepId, name, key } of changes.deletes) {
      this.remove.run(idOf(stepId, name), key);
      bytes += Buffer.byteLength(key);
    }
    for (const { stepId, name, key, value } of changes.upserts) {
      this.upsert.run(idOf(stepId, name), key, value);
      bytes += Buffer.byteLength(key) + Buffer.byteLength(value);
    }
    return bytes;
  }

  /** Marks the keys of changes that were taken but never committed as changed again (after a failed commit). */
  restoreChanges(changes: StateChanges): void {
    if (changes.clear) {
      this.cleared = true;
      return;
    }
    for (const list of [changes.upserts, changes.deletes]) {
      for (const { stepId, name, key } of list) {
        (this.table(stepId, name) as TrackedTable<unknown>).dirty.add(
          this.liveKey(stepId, name, decodeJson(key)),
        );
      }
    }
  }

  /**
   * Takes the changes and writes them in a checkpoint's transaction, and puts them back if it rolls back, e.g.
   * `checkpoints.commit(p, checkpoint, [state.commitParticipant], now)`.
   */
  readonly commitParticipant: CommitParticipant = this.createCommitParticipant();

  private createCommitParticipant(): CommitParticipant {
    let taken: StateChanges | undefined;
    return participant(
      () => {
        taken = this.takeChanges();
        return this.writeChanges(taken);
      },
      {
        committed: () => {
          taken = undefined;
        },
        rolledBack: () => {
          if (taken !== undefined) this.restoreChanges(taken);
          taken = undefined;
        },
      },
    );
  }

  /** The key as the table holds it (an object key: the interned object equal to it). */
  private liveKey(stepId: string, name: string, key: unknown): unknown {
    if (typeof key !== "object" || key === null) return key;
    const table = this.table(stepId, name);
    for (const k of table.keys()) if (canonicalJson(k) === canonicalJson(key)) return k;
    return key;
  }
}
