/**
 * Opening the embedded store's SQLite files: WAL mode, a sync level per durability mode, a busy timeout, and
 * the data directory created on first use.
 */
import { mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import Database from "better-sqlite3";

/**
 * How long an acknowledged write lasts. `process`: it survives kill -9 of the process (the commit is in the
 * WAL, in the OS page cache; `synchronous = NORMAL`). `machine`: it also survives power loss (fsync per commit;
 * `synchronous = FULL`).
 */
export type Durability = "process" | "machine";

/** How long a writer waits for another connection's lock before failing with SQLITE_BUSY. */
const BUSY_TIMEOUT_MS = 5000;

/** Opens (creating it and its directory if needed) a SQLite file, e.g. `openDatabase("data/log.db", "process")`. */
export function openDatabase(path: string, durability: Durability): Database.Database {
  if (durability !== "process" && durability !== "machine") {
    throw new RangeError(`durability must be "process" or "machine", not ${JSON.stringify(durability)}`);
  }
  if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path);
  try {
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    const mode = whileBusy(() => db.pragma("journal_mode = WAL", { simple: true }));
    if (mode !== "wal" && path !== ":memory:")
      throw new Error(`${path}: could not switch to WAL mode (got ${mode})`);
    db.pragma(durability === "machine" ? "synchronous = FULL" : "synchronous = NORMAL");
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}

/**
 * Runs `step` again while SQLite answers SQLITE_BUSY, for up to the busy timeout: the journal-mode switch can
 * meet another process opening the same file at that moment (WAL recovery), where SQLite does not wait itself.
 */
function whileBusy<T>(step: () => T): T {
  const deadline = Date.now() + BUSY_TIMEOUT_MS;
  for (;;) {
    try {
      return step();
    } catch (error) {
      if ((error as { code?: string }).code?.startsWith("SQLITE_BUSY") !== true || Date.now() > deadline)
        throw error;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5);
    }
  }
}

/** The embedded store's two files, so ingestion never waits on processing. */
export interface StorePaths {
  /** Stream logs, written by ingestion. */
  readonly log: string;
  /** Checkpoints, keyed state, views and the dead-letter ledger, written by the processor. */
  readonly state: string;
}

/** The files under a data directory, e.g. `storePaths("./data").log` → `data/log.db`. */
export function storePaths(dir: string): StorePaths {
  return { log: join(dir, "log.db"), state: join(dir, "state.db") };
}
