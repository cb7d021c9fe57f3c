/**
 * `POST /v1/query` with `{"sql": "..."}`: one read-only SQL statement over the views and streams, on a
 * connection of its own opened read-only on state.db (log.db attached, read-only, as `log`). Each view is a
 * TEMP VIEW of its name with columns `key`, `value` (JSON text, for `json_extract`) and `updated_at`; each
 * stream one with `offset`, `event_time`, `ingest_time` and `value`. Only a single SELECT / WITH / VALUES /
 * EXPLAIN that SQLite itself reports as read-only runs, and only if it reads no table but the views' and
 * streams' own (its bytecode is checked: the dead-letter ledger, idempotency replies and operator state stay
 * out of reach); rows are capped and time is limited.
 */
import Database from "better-sqlite3";
import type { FastifyInstance } from "fastify";
import { storePaths, streamRecordsSql } from "../store/index.js";
import { ApiError } from "./api-error.js";
import { intParam, type Query } from "./query-params.js";
import type { ServerContext } from "./server-context.js";

export const DEFAULT_QUERY_LIMIT = 1000;
export const MAX_QUERY_LIMIT = 10_000;
/** Largest request body of a query (1 MiB): 413 above it. */
const MAX_SQL_BODY_BYTES = 1024 * 1024;

export interface QueryRouteOptions {
  /** Wall-clock budget of one query in milliseconds (default 2,000): 408 `query_timeout` above it. */
  readonly timeoutMs?: number;
  /** The time source of the budget (default `performance.now`). */
  readonly now?: () => number;
}

export interface QueryReply {
  readonly columns: string[];
  readonly rows: unknown[][];
  /** More rows were there than `limit`. */
  readonly truncated: boolean;
}

const READ_STATEMENT = /^(select|with|values|explain)\b/i;

/**
 * The read-only connection with a TEMP VIEW per view and stream. Rows read through those views call
 * `sluice_tick()`, which aborts the statement once the deadline has passed, so a long scan or join over
 * views is stopped inside SQLite, not only between returned rows.
 */
export class ReadOnlyQueryEngine {
  private readonly db: Database.Database;
  private exposed = "";
  /** `"<schema number>:<root page>"` of every table and index a query may read: view rows and stream logs. */
  private readable = new Set<string>();
  /** The same keys → the table's name, for the error that names what a query may not read. */
  private readonly tableNames = new Map<string, string>();
  private deadline = Number.POSITIVE_INFINITY;

  constructor(
    dir: string,
    private readonly now: () => number,
  ) {
    const paths = storePaths(dir);
    this.db = new Database(paths.state, { readonly: true, fileMustExist: true });
    try {
      this.db.prepare("ATTACH DATABASE ? AS log").run(paths.log);
      this.db.function("sluice_tick", { deterministic: false, varargs: false }, () => {
        if (this.now() > this.deadline) throw new QueryTimeout();
        return 1;
      });
      this.db.pragma("query_only = ON");
    } catch (error) {
      this.db.close();
      throw error;
    }
  }

  /** Runs one read statement, e.g. `engine.run("SELECT key FROM device_stats", 100, 2000)`. */
  run(sql: string, limit: number, timeoutMs: number): QueryReply {
    this.expose();
    const statement = this.prepare(sql);
    const columns = statement.columns().map((c) => c.name);
    const rows: unknown[][] = [];
    let truncated = false;
    this.deadline = this.now() + timeoutMs;
    try {
      statement.raw(true);
      for (const row of statement.iterate() as IterableIterator<unknown[]>) {
        if (rows.length === limit) {
          truncated = true;
          break;
        }
        if (this.now() > this.deadline) throw new QueryTimeout();
        rows.push(row.map(jsonCell));
      }
    } catch (error) {
      if (error instanceof QueryTimeout) {
        throw new ApiError(408, "query_timeout", `the query ran longer than ${timeoutMs} ms`);
      }
      if (error instanceof Database.SqliteError || error instanceof RangeError) {
        throw new ApiError(400, "invalid_sql", error.message);
      }
      throw error;
    } finally {
      this.deadline = Number.POSITIVE_INFINITY;
    }
    return { columns, rows, truncated };
  }

  close(): void {
    this.db.close();
  }

  private prepare(sql: string): Database.Statement {
    let statement: Database.Statement;
    try {
      statement = this.db.prepare(sql);
    } catch (error) {
      if (error instanceof RangeError && /more than one statement/.test(error.message)) {
        throw new ApiError(400, "invalid_sql", "only one SQL statement is allowed per query");
      }
      if (
        error instanceof Database.SqliteError ||
        error instanceof RangeError ||
        error instanceof TypeError
      ) {
        throw new ApiError(400, "invalid_sql", error.message);
      }
      throw error;
    }
    // SQLite counts ATTACH, DETACH, BEGIN and some PRAGMAs as read-only: only plain reads are let through.
    const first = sql.replace(/^(\s+|--[^\n]*(\n|$)|\/\*[\s\S]*?\*\/)*/, "");
    if (!statement.readonly || !READ_STATEMENT.test(first)) {
      throw new ApiError(
        400,
        "not_read_only",
        "only a single read statement (SELECT, WITH, VALUES, EXPLAIN) is allowed",
      );
    }
    if (!statement.reader) {
      throw new ApiError(400, "not_read_only", "the statement returns no rows");
    }
    if (!/^explain\b/i.test(first)) this.refuseHiddenTables(sql);
    return statement;
  }

  /**
   * Reads the statement's bytecode: every table or index it opens must belong to a view or a stream.
   * (better-sqlite3 has no authorizer hook; the root pages a program opens are what it can read.)
   */
  private refuseHiddenTables(sql: string): void {
    const program = this.db.prepare(`EXPLAIN ${sql}`).all() as Array<{
      opcode: string;
      p2: number;
      p3: number;
      p5: number;
    }>;
    for (const op of program) {
      if (op.opcode !== "OpenRead" && op.opcode !== "ReopenIdx") continue;
      const where = `${op.p3}:${op.p2}`;
      // P5 bit 0x10: the root page is in a register, not known here; refuse rather than guess.
      if ((op.p5 & 0x10) === 0 && this.readable.has(where)) continue;
      const table = this.tableNames.get(where) ?? "an internal table";
      throw new ApiError(
        403,
        "table_not_readable",
        `the query reads ${table}; SQL reaches the views and streams only (dead letters: GET /v1/dlq)`,
        { table },
      );
    }
  }

  /** (Re)creates the TEMP VIEWs when the set of views or streams changed. */
  private expose(): void {
    const views = this.db.prepare("SELECT name FROM main.view_names ORDER BY name").pluck().all() as string[];
    const streams = tableExists(this.db, "log", "streams")
      ? (this.db.prepare("SELECT id, name FROM log.streams ORDER BY id").all() as Array<{
          id: number;
          name: string;
        }>)
      : [];
    const fingerprint = JSON.stringify([views, streams]);
    if (fingerprint === this.exposed) return;
    this.db.pragma("query_only = OFF");
    try {
      const existing = this.db
        .prepare("SELECT name FROM temp.sqlite_master WHERE type = 'view'")
        .pluck()
        .all() as string[];
      for (const name of existing) this.db.exec(`DROP VIEW temp.${quote(name)}`);
      const taken = new Set<string>();
      for (const view of views) {
        taken.add(view.toLowerCase());
        this.db.exec(
          `CREATE TEMP VIEW ${quote(view)} AS SELECT key, value, updated_at FROM main.view_rows
           WHERE view = ${literal(view)} AND sluice_tick()`,
        );
      }
      // Views and streams share one name space; a view wins a clash.
      for (const stream of streams) {
        if (taken.has(stream.name.toLowerCase()) || !tableExists(this.db, "log", `log_${stream.id}`))
          continue;
        taken.add(stream.name.toLowerCase());
        this.db.exec(
          `CREATE TEMP VIEW ${quote(stream.name)} AS SELECT * FROM (${streamRecordsSql("log", stream.id)})
           WHERE sluice_tick()`,
        );
      }
    } finally {
      this.db.pragma("query_only = ON");
    }
    this.mapReadableTables(streams.map((s) => `log_${s.id}`));
    this.exposed = fingerprint;
  }

  /** Notes the root pages of the view-row and stream-log tables (and their indexes), and every table's name. */
  private mapReadableTables(logTables: readonly string[]): void {
    const schemas = this.db.pragma("database_list") as Array<{ seq: number; name: string }>;
    const number = new Map(schemas.map((d) => [d.name, d.seq]));
    const readableIn = new Map<string, Set<string>>([
      ["main", new Set(["view_rows"])],
      // A stream's SQL reads its start offset from log.streams (names and offsets only).
      ["log", new Set([...logTables, "streams"])],
    ]);
    this.readable = new Set();
    this.tableNames.clear();
    for (const [schema, tables] of readableIn) {
      if (!number.has(schema)) continue;
      const rows = this.db
        .prepare(
          `SELECT tbl_name AS tableName, rootpage AS root FROM ${schema}.sqlite_master WHERE rootpage > 0`,
        )
        .all() as Array<{ tableName: string; root: number }>;
      this.tableNames.set(`${number.get(schema)}:1`, "sqlite_master");
      for (const { tableName, root } of rows) {
        const where = `${number.get(schema)}:${root}`;
        this.tableNames.set(where, tableName);
        if (tables.has(tableName)) this.readable.add(where);
      }
    }
  }
}

class QueryTimeout extends Error {}

export function registerQueryRoute(
  app: FastifyInstance,
  ctx: ServerContext,
  options: QueryRouteOptions = {},
): void {
  const timeoutMs = options.timeoutMs ?? 2000;
  const now = options.now ?? (() => performance.now());
  let engine: ReadOnlyQueryEngine | undefined;
  app.addHook("onClose", async () => engine?.close());

  // A scope of its own: the server's JSON parser is the ingest one (records); this route reads one object.
  app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser(
      "application/json",
      { parseAs: "string", bodyLimit: MAX_SQL_BODY_BYTES },
      (_request, body, done) => {
        try {
          done(null, JSON.parse(body as string));
        } catch (error) {
          done(new ApiError(400, "malformed_json", `malformed JSON: ${(error as Error).message}`), undefined);
        }
      },
    );
    scope.post<{ Body: unknown; Querystring: Query }>(
      "/v1/query",
      {
        config: {
          // `read:*` (every view and stream) or admin.
          permission: () => ({ kind: "read", resource: "*" }),
          // SQL reads raw records of every stream (and the dead-letter table): audited like admin actions.
          audit: "query",
        },
      },
      async (request) => {
        const limit = intParam(request.query, "limit", DEFAULT_QUERY_LIMIT, 1, MAX_QUERY_LIMIT);
        const body = request.body as { sql?: unknown } | null | undefined;
        if (
          body === null ||
          typeof body !== "object" ||
          Array.isArray(body) ||
          typeof body.sql !== "string"
        ) {
          throw new ApiError(400, "invalid_sql", 'the body must be {"sql": "<one SELECT statement>"}');
        }
        if (body.sql.trim() === "") throw new ApiError(400, "invalid_sql", "the SQL statement is empty");
        request.audit = { target: body.sql };
        engine ??= new ReadOnlyQueryEngine(ctx.store.dir, now);
        const result = engine.run(body.sql, limit, timeoutMs);
        request.audit.counts = { rows: result.rows.length };
        return result;
      },
    );
  });
}

/** A cell as JSON can carry it: bigints as numbers when safe (else strings), blobs as base64. */
function jsonCell(cell: unknown): unknown {
  if (typeof cell === "bigint") {
    return cell >= BigInt(Number.MIN_SAFE_INTEGER) && cell <= BigInt(Number.MAX_SAFE_INTEGER)
      ? Number(cell)
      : cell.toString();
  }
  if (Buffer.isBuffer(cell)) return cell.toString("base64");
  return cell;
}

function tableExists(db: Database.Database, schema: string, table: string): boolean {
  return (
    db.prepare(`SELECT 1 FROM ${schema}.sqlite_master WHERE type = 'table' AND name = ?`).get(table) !==
    undefined
  );
}

function quote(identifier: string): string {
  return `"${identifier.replaceAll('"', '""')}"`;
}

function literal(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}
