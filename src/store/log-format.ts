/**
 * The on-disk format of log.db, kept in its `user_version`: 1 (or 0, before it was recorded) is one row per
 * record; 2 is one row per append (log-batch.ts). Opening a format-1 log converts it in one transaction,
 * keeping every offset, event time, ingest time and byte count; a log from a newer format is refused.
 */
import type Database from "better-sqlite3";
import { logTableSql, MAX_RECORDS_PER_ROW } from "./log-batch.js";

/** The format this version writes. */
export const LOG_FORMAT = 2;

/** Old rows read per query while converting. */
const ROWS_PER_PAGE = 10_000;

/** Brings log.db to LOG_FORMAT (after its `streams` table exists), e.g. `upgradeLogFormat(db)`. */
export function upgradeLogFormat(db: Database.Database): void {
  const version = db.pragma("user_version", { simple: true }) as number;
  if (version === LOG_FORMAT) return;
  if (version > LOG_FORMAT) {
    throw new Error(
      `${db.name}: the stream log is in format ${version}, newer than this version of Sluice reads ` +
        `(${LOG_FORMAT}); upgrade Sluice to open it`,
    );
  }
  const upgrade = db.transaction(() => {
    if ((db.pragma("user_version", { simple: true }) as number) === LOG_FORMAT) return;
    const ids = db.prepare("SELECT id FROM streams ORDER BY id").pluck().all() as number[];
    for (const id of ids) {
      const columns = db.pragma(`table_info(log_${id})`) as Array<{ name: string }>;
      if (columns.some((c) => c.name === "offset")) convertStream(db, id);
    }
    db.pragma(`user_version = ${LOG_FORMAT}`);
  });
  upgrade.immediate();
}

/** Rewrites one stream's format-1 table (one row per record) as format-2 rows, one per run of records. */
function convertStream(db: Database.Database, id: number): void {
  const old = `log_${id}`;
  const next = `log_${id}_format2`;
  db.exec(logTableSql(next));
  const page = db
    .prepare(
      `SELECT offset, event_time, ingest_time, payload FROM ${old} WHERE offset >= ? ORDER BY offset LIMIT ?`,
    )
    .raw(true);
  const insert = db.prepare(`INSERT INTO ${next} VALUES (?, ?, ?, ?, ?, ?, ?, ?)`);
  let runningMax: number | null = null;
  let run: Array<[number, number | null, number, string]> = [];
  const flush = () => {
    if (run.length === 0) return;
    let rowMax: number | null = null;
    let bytes = 0;
    for (const [, t, , text] of run) {
      if (t !== null && (rowMax === null || t > rowMax)) rowMax = t;
      bytes += Buffer.byteLength(text);
    }
    if (rowMax !== null && (runningMax === null || rowMax > runningMax)) runningMax = rowMax;
    const times = run.some(([, t]) => t !== null) ? JSON.stringify(run.map(([, t]) => t)) : null;
    insert.run(
      run[0]![0],
      run.length,
      run[0]![2],
      rowMax,
      runningMax,
      bytes,
      times,
      run.map(([, , , text]) => text).join("\n"),
    );
    run = [];
  };
  for (let from = 0; ; ) {
    const rows = page.all(from, ROWS_PER_PAGE) as Array<[number, number | null, number, string]>;
    for (const row of rows) {
      const last = run[run.length - 1];
      // A run is contiguous and has one ingest time (age retention cuts at rows).
      if (
        last !== undefined &&
        (row[0] !== last[0] + 1 || row[2] !== last[2] || run.length >= MAX_RECORDS_PER_ROW)
      ) {
        flush();
      }
      run.push(row);
    }
    if (rows.length < ROWS_PER_PAGE) break;
    from = rows[rows.length - 1]![0] + 1;
  }
  flush();
  db.exec(`DROP TABLE ${old}; ALTER TABLE ${next} RENAME TO ${old};`);
}
