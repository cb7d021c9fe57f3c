/**
 * Checkpoints a WAL-mode SQLite file from a worker thread: copying the write-ahead log into the database file
 * (and syncing both) then runs beside the connection that appends, instead of stalling it on every commit that
 * crosses SQLite's automatic threshold. Checkpoints are PASSIVE: they never block a writer or a reader. The
 * appending connection keeps a far higher automatic threshold as a backstop, in case the worker falls behind.
 * Durability is untouched: a commit is durable in the log itself; the checkpoint only moves it.
 */
import { Worker } from "node:worker_threads";
import type Database from "better-sqlite3";
import type { Durability } from "./sqlite-database.js";

/** Pages the appending connection lets the log grow to before checkpointing itself (64 MiB at 4 KiB pages). */
const BACKSTOP_PAGES = 16_384;

export interface WalCheckpointerOptions {
  /** Milliseconds between checkpoints (default 50). */
  readonly intervalMs?: number;
}

/** A worker checkpointing one database file, e.g. `const c = new WalCheckpointer(store.logDb, "process")`. */
export class WalCheckpointer {
  private readonly worker: Worker;

  constructor(db: Database.Database, durability: Durability, options: WalCheckpointerOptions = {}) {
    db.pragma(`wal_autocheckpoint = ${BACKSTOP_PAGES}`);
    this.worker = new Worker(new URL("./wal-checkpoint-worker.js", import.meta.url), {
      workerData: { path: db.name, durability, intervalMs: options.intervalMs ?? 50 },
    });
    // A failed worker only means the backstop checkpoints instead.
    this.worker.on("error", () => db.open && db.pragma("wal_autocheckpoint = 1000"));
    this.worker.unref();
  }

  /** Stops the worker (it closes its connection); the caller then closes its own. */
  close(): void {
    this.worker.postMessage("close");
  }
}
