/**
 * A child process for the kill -9 test of `StreamLog.append` (stream-log.test.ts): appends batches to stream
 * "crash" as fast as it can and prints each acknowledged range as `first last` on stdout, written
 * synchronously after the commit, until it is killed. Record n holds `{ seq: n }`, so the parent can check
 * that every acknowledged record is there exactly once.
 *
 * Usage: `node stream-log-crash-child.js DIR DURABILITY BATCH_SIZE`
 */
import { writeSync } from "node:fs";
import { type Durability, openDatabase, storePaths } from "./sqlite-database.js";
import { StreamLog } from "./stream-log.js";

const [dir, durability = "process", batchSize = "200"] = process.argv.slice(2);
if (dir === undefined) throw new Error("usage: stream-log-crash-child DIR DURABILITY BATCH_SIZE");
const log = new StreamLog(openDatabase(storePaths(dir).log, durability as Durability));
const size = Number(batchSize);
for (;;) {
  const next = log.endOffset("crash");
  const records = Array.from({ length: size }, (_, i) => ({ seq: next + i, pad: "x".repeat(40) }));
  const { first, last } = log.append(
    "crash",
    records,
    records.map((r) => r.seq),
    0,
  );
  writeSync(1, `${first} ${last}\n`);
}
