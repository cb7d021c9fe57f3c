/**
 * The worker of WalCheckpointer: its own connection to the file, a PASSIVE checkpoint every interval, closed on
 * the message "close". A PASSIVE checkpoint never waits for the writer, but under steady appends it rarely ends
 * level with it, and SQLite rewinds the log to its start only after a checkpoint that did. So the log grows to
 * the writer's backstop (wal-checkpointer.ts), where the writer's own checkpoint — on the event loop — copies
 * what is left and syncs the log and the file. Once the log is past `syncBytes`, this worker syncs both after
 * each checkpoint, and checkpoints again: then the backstop finds little to copy and less to sync, instead of
 * stalling the writer for as long as the disk takes to take tens of megabytes.
 */
import { closeSync, fsyncSync, openSync } from "node:fs";
import { parentPort, workerData } from "node:worker_threads";
import Database from "better-sqlite3";
import { WorkerState } from "./wal-checkpointer.js";

const { path, durability, intervalMs, syncBytes, state } = workerData as {
  path: string;
  durability: "process" | "machine";
  intervalMs: number;
  syncBytes: number;
  /** The worker's lifecycle, shared with WalCheckpointer (wal-checkpointer.ts). */
  state: SharedArrayBuffer;
};
const lifecycle = new Int32Array(state);

/** Marks the worker closed, for WalCheckpointer.close() waiting on it. */
function closed(): void {
  Atomics.store(lifecycle, 0, WorkerState.Closed);
  Atomics.notify(lifecycle, 0);
}

// The store may have been closed before this worker got this far: then it must not open the file (opening
// would create the log's files again, in a directory that may be being removed).
if (Atomics.compareExchange(lifecycle, 0, WorkerState.Starting, WorkerState.Open) !== WorkerState.Starting) {
  closed();
  parentPort!.close();
} else {
  run();
}

function run(): void {
  let db: Database.Database;
  let file: number;
  try {
    db = new Database(path, { fileMustExist: true });
    db.pragma(durability === "machine" ? "synchronous = FULL" : "synchronous = NORMAL");
    file = openSync(path, "r");
  } catch (error) {
    closed();
    throw error;
  }
  const pageSize = db.pragma("page_size", { simple: true }) as number;
  const timer = setInterval(() => {
    try {
      const [result] = db.pragma("wal_checkpoint(PASSIVE)") as Array<{ log: number }>;
      if (result !== undefined && result.log * pageSize > syncBytes) syncAndCheckpoint(db, file);
    } catch {
      // Busy or closing: the next tick tries again.
    }
  }, intervalMs);
  parentPort!.on("message", (message) => {
    if (message !== "close") return;
    clearInterval(timer);
    try {
      db.close();
      closeSync(file);
    } finally {
      closed();
      parentPort!.close();
    }
  });
}

/** Syncs the log and the file (slow, and the writer goes on meanwhile), then copies what came in since. */
function syncAndCheckpoint(db: Database.Database, file: number): void {
  syncFile(`${path}-wal`);
  fsyncSync(file);
  db.pragma("wal_checkpoint(PASSIVE)");
}

/** fsync of a file by its path (opened for the call: SQLite may replace the log's file between two calls). */
function syncFile(name: string): void {
  const fd = openSync(name, "r");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
