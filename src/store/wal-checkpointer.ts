/**
 * Checkpoints a WAL-mode SQLite file from a worker thread: copying the write-ahead log into the database file
 * (and syncing both) then runs beside the connection that writes, instead of stalling it on every commit that
 * crosses SQLite's automatic threshold. Checkpoints are PASSIVE: they never block a writer or a reader. The
 * writing connection keeps a far higher automatic threshold as a backstop: under steady writes it is what lets
 * the log start over (see wal-checkpoint-worker.ts), and the worker keeps that cheap. Used for log.db (appends)
 * and state.db (checkpoint commits). Durability is untouched: a commit is durable in the log itself; the
 * checkpoint only moves it.
 */
import { Worker } from "node:worker_threads";
import type Database from "better-sqlite3";
import type { Durability } from "./sqlite-database.js";

/** How large the writing connection lets the log grow before checkpointing itself. */
const BACKSTOP_BYTES = 64 * 1024 * 1024;

/** Where a checkpoint worker is in its life (an Int32 shared with it). */
export const WorkerState = { Starting: 0, Open: 1, Closed: 2 } as const;

/** How long `close()` waits for the worker to close its connection (it may be in the middle of a sync). */
const CLOSE_TIMEOUT_MS = 5000;

export interface WalCheckpointerOptions {
  /** Milliseconds between checkpoints (default 50). */
  readonly intervalMs?: number;
  /** Log size in bytes at which the writing connection checkpoints itself (default 64 MiB). */
  readonly backstopBytes?: number;
}

/** A worker checkpointing one database file, e.g. `const c = new WalCheckpointer(store.logDb, "process")`. */
export class WalCheckpointer {
  private readonly worker: Worker;
  private readonly state = new Int32Array(new SharedArrayBuffer(4));

  constructor(db: Database.Database, durability: Durability, options: WalCheckpointerOptions = {}) {
    const pageSize = db.pragma("page_size", { simple: true }) as number;
    const backstopBytes = options.backstopBytes ?? BACKSTOP_BYTES;
    db.pragma(`wal_autocheckpoint = ${Math.ceil(backstopBytes / pageSize)}`);
    this.worker = new Worker(new URL("./wal-checkpoint-worker.js", import.meta.url), {
      workerData: {
        path: db.name,
        durability,
        intervalMs: options.intervalMs ?? 50,
        // Past half the backstop the worker keeps the log and the file synced, for the backstop to find.
        syncBytes: backstopBytes / 2,
        state: this.state.buffer,
      },
    });
    // A failed worker only means the backstop checkpoints instead.
    this.worker.on("error", () => db.open && db.pragma("wal_autocheckpoint = 1000"));
    this.worker.unref();
  }

  /**
   * Stops the worker and waits until it closed its connection (or, if it has not opened one yet, until it
   * never will): once this returns, nothing of the worker touches the files, and the caller closes its own
   * connection and may remove them.
   */
  close(): void {
    const { state } = this;
    if (
      Atomics.compareExchange(state, 0, WorkerState.Starting, WorkerState.Closed) === WorkerState.Starting
    ) {
      void this.worker.terminate();
      return;
    }
    this.worker.postMessage("close");
    const deadline = Date.now() + CLOSE_TIMEOUT_MS;
    for (let now = Date.now(); now < deadline; now = Date.now()) {
      const current = Atomics.load(state, 0);
      if (current === WorkerState.Closed) return;
      Atomics.wait(state, 0, current, deadline - now);
    }
    void this.worker.terminate();
  }
}
