/**
 * The worker of WalCheckpointer: its own connection to the file, a PASSIVE checkpoint every interval, closed on
 * the message "close".
 */
import { parentPort, workerData } from "node:worker_threads";
import Database from "better-sqlite3";

const { path, durability, intervalMs } = workerData as {
  path: string;
  durability: "process" | "machine";
  intervalMs: number;
};
const db = new Database(path, { fileMustExist: true });
db.pragma(durability === "machine" ? "synchronous = FULL" : "synchronous = NORMAL");
const timer = setInterval(() => {
  try {
    db.pragma("wal_checkpoint(PASSIVE)");
  } catch {
    // Busy or closing: the next tick tries again.
  }
}, intervalMs);
parentPort!.on("message", (message) => {
  if (message !== "close") return;
  clearInterval(timer);
  db.close();
  parentPort!.close();
});
