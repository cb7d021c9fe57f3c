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

const { path, durability, intervalMs, syncBytes } = workerData as {
  path: string;
  durability: "process" | "machine";
  intervalMs: number;
  syncBytes: number;
};
const db = new Database(path, { fileMustExist: true });
db.pragma(durability === "machine" ? "synchronous = FULL" : "synchronous = NORMAL");
const pageSize = db.pragma("page_size", { simple: true }) as number;
const file = openSync(path, "r");
const timer = setInterval(() => {
  try {
    const [result] = db.pragma("wal_checkpoint(PASSIVE)") as Array<{ log: number }>;
    if (result !== undefined && result.log * pageSize > syncBytes) syncAndCheckpoint();
  } catch {
    // Busy or closing: the next tick tries again.
  }
}, intervalMs);

/** Syncs the log and the file (slow, and the writer goes on meanwhile), then copies what came in since. */
function syncAndCheckpoint(): void {
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

parentPort!.on("message", (message) => {
  if (message !== "close") return;
  clearInterval(timer);
  db.close();
  closeSync(file);
  parentPort!.close();
});
