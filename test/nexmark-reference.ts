/**
 * An independent reference for the Nexmark queries: the NDJSON events loaded into SQLite (better-sqlite3)
 * and each query written in SQL, translated directly from nexmark-flink/src/main/resources/queries/q*.sql.
 * Windows follow Flink's window TVFs: aligned to the epoch, half-open [start, end), and only windows that
 * hold at least one row exist. Times are epoch milliseconds (Flink: TIMESTAMP(3)).
 */
import { closeSync, openSync, readSync } from "node:fs";
import type Database from "better-sqlite3";

export type NexmarkReferenceQuery = "q0" | "q1" | "q2" | "q3" | "q4" | "q5" | "q7" | "q8";

/** Rows loaded per table. */
export interface LoadedCounts {
  person: number;
  auction: number;
  bid: number;
}

/** The Flink DDL's tables and column names (ddl_gen.sql / ddl_views.sql); times as epoch ms. */
const SCHEMA = `
CREATE TABLE IF NOT EXISTS person (
  id BIGINT, name VARCHAR, emailAddress VARCHAR, creditCard VARCHAR, city VARCHAR, state VARCHAR,
  dateTime BIGINT, extra VARCHAR);
CREATE TABLE IF NOT EXISTS auction (
  id BIGINT, itemName VARCHAR, description VARCHAR, initialBid BIGINT, reserve BIGINT, dateTime BIGINT,
  expires BIGINT, seller BIGINT, category BIGINT, extra VARCHAR);
CREATE TABLE IF NOT EXISTS bid (
  auction BIGINT, bidder BIGINT, price BIGINT, channel VARCHAR, url VARCHAR, dateTime BIGINT, extra VARCHAR);
`;

const INDEXES = `
CREATE INDEX IF NOT EXISTS person_id ON person (id);
CREATE INDEX IF NOT EXISTS auction_id ON auction (id);
CREATE INDEX IF NOT EXISTS bid_auction ON bid (auction);
CREATE INDEX IF NOT EXISTS bid_price ON bid (price);
`;

/**
 * Creates the tables person, auction and bid (if missing) and loads the NDJSON file into them in one
 * transaction, e.g. `loadNexmarkNdjson(new Database(":memory:"), "events.ndjson")`.
 */
export function loadNexmarkNdjson(db: Database.Database, file: string): LoadedCounts {
  db.exec(SCHEMA);
  const insertPerson = db.prepare("INSERT INTO person VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
  const insertAuction = db.prepare("INSERT INTO auction VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  const insertBid = db.prepare("INSERT INTO bid VALUES (?, ?, ?, ?, ?, ?, ?)");
  const counts: LoadedCounts = { person: 0, auction: 0, bid: 0 };
  let lineNumber = 0;
  const insertLine = (line: string): void => {
    lineNumber++;
    if (line.trim() === "") return;
    const e = JSON.parse(line);
    switch (e.type) {
      case "person":
        insertPerson.run(e.id, e.name, e.emailAddress, e.creditCard, e.city, e.state, e.dateTime, e.extra);
        counts.person++;
        break;
      case "auction":
        insertAuction.run(
          e.id,
          e.itemName,
          e.description,
          e.initialBid,
          e.reserve,
          e.dateTime,
          e.expires,
          e.seller,
          e.category,
          e.extra,
        );
        counts.auction++;
        break;
      case "bid":
        insertBid.run(e.auction, e.bidder, e.price, e.channel, e.url, e.dateTime, e.extra);
        counts.bid++;
        break;
      default:
        throw new Error(`${file}:${lineNumber}: unknown event type ${JSON.stringify(e.type)}`);
    }
  };
  db.transaction(() => forEachLine(file, insertLine))();
  db.exec(INDEXES);
  return counts;
}

/** Calls `fn` for every line of `file`, reading it 4 MB at a time (files may be larger than a string). */
function forEachLine(file: string, fn: (line: string) => void): void {
  const fd = openSync(file, "r");
  try {
    const chunk = Buffer.allocUnsafe(4 << 20);
    let rest: Buffer = Buffer.alloc(0);
    for (;;) {
      const n = readSync(fd, chunk, 0, chunk.length, null);
      if (n === 0) break;
      const data = rest.length === 0 ? chunk.subarray(0, n) : Buffer.concat([rest, chunk.subarray(0, n)]);
      // Decode up to the last newline only, so that no line or UTF-8 sequence is cut in two.
      const end = data.lastIndexOf(10);
      if (end >= 0) for (const line of data.toString("utf8", 0, end).split("\n")) fn(line);
      rest = Buffer.from(data.subarray(end + 1)); // a copy: `chunk` is reused
    }
    if (rest.length > 0) fn(rest.toString("utf8"));
  } finally {
    closeSync(fd);
  }
}

/** Start of the epoch-aligned window of `size` ms holding `t` (works for negative times too). */
const windowStart = (t: string, size: number): string => `(${t} - ((${t} % ${size}) + ${size}) % ${size})`;

/** The queries in SQLite SQL, each ordered by all its output columns, in output order. */
const QUERIES: Record<NexmarkReferenceQuery, string> = {
  // q0.sql: pass-through of bids.
  q0: `
    SELECT auction, bidder, price, dateTime, extra FROM bid
    ORDER BY auction, bidder, price, dateTime, extra`,

  // q1.sql: dollars to euros. Flink types the result DECIMAL(23, 3), exact; here the exact integer product
  // divided by 1000 in double precision, i.e. the closest double to the exact decimal.
  q1: `
    SELECT auction, bidder, (price * 908) / 1000.0 AS price, dateTime, extra FROM bid
    ORDER BY auction, bidder, price, dateTime, extra`,

  // q2.sql: bids on every 123rd auction.
  q2: `
    SELECT auction, price FROM bid WHERE auction % 123 = 0
    ORDER BY auction, price`,

  // q3.sql: sellers in OR, ID or CA of auctions in category 10 (a regular, unwindowed join).
  q3: `
    SELECT P.name, P.city, P.state, A.id
    FROM auction AS A INNER JOIN person AS P ON A.seller = P.id
    WHERE A.category = 10 AND (P.state = 'OR' OR P.state = 'ID' OR P.state = 'CA')
    ORDER BY P.name, P.city, P.state, A.id`,

  // q4.sql: average winning price per category. The winning price of an auction is its highest bid
  // made between its start and its expiry (BETWEEN: both ends included). Flink's AVG over the BIGINT
  // `final` is itself a BIGINT (sum / count truncated towards zero), updated as bids arrive; here the
  // final average of the finished data, as a floating point number.
  q4: `
    SELECT Q.category, AVG(Q.final) AS final
    FROM (
      SELECT MAX(B.price) AS final, A.category
      FROM auction A, bid B
      WHERE A.id = B.auction AND B.dateTime BETWEEN A.dateTime AND A.expires
      GROUP BY A.id, A.category
    ) Q
    GROUP BY Q.category
    ORDER BY category, final`,

  // q5.sql: the auctions with the most bids per HOP window (size 10 s, slide 2 s). A bid at t falls in
  // the 5 windows [s, s + 10 s) with s = the 2 s boundary at or before t, minus 0, 2, 4, 6, 8 s.
  q5: `
    WITH slides(k) AS (VALUES (0), (1), (2), (3), (4)),
    hop AS (
      SELECT B.auction, ${windowStart("B.dateTime", 2000)} - slides.k * 2000 AS window_start
      FROM bid B, slides
    ),
    AuctionBids AS (
      SELECT auction, COUNT(*) AS num, window_start AS starttime, window_start + 10000 AS endtime
      FROM hop GROUP BY auction, window_start
    ),
    MaxBids AS (
      SELECT MAX(CountBids.num) AS maxn, CountBids.starttime, CountBids.endtime
      FROM (
        SELECT COUNT(*) AS num, window_start AS starttime, window_start + 10000 AS endtime
        FROM hop GROUP BY auction, window_start
      ) AS CountBids
      GROUP BY CountBids.starttime, CountBids.endtime
    )
    SELECT AuctionBids.auction, AuctionBids.num, AuctionBids.starttime, AuctionBids.endtime
    FROM AuctionBids JOIN MaxBids
      ON AuctionBids.starttime = MaxBids.starttime AND AuctionBids.endtime = MaxBids.endtime
      AND AuctionBids.num >= MaxBids.maxn
    ORDER BY AuctionBids.auction, AuctionBids.num, AuctionBids.starttime, AuctionBids.endtime`,

  // q7.sql: the highest bids per TUMBLE window of 10 s. B1.dateTime is the window's end; a bid matches a
  // window's maximum price when its own time is BETWEEN end − 10 s AND end, both ends included, so a bid
  // at exactly a window's end is compared with that window too. The output dateTime is the bid's.
  q7: `
    SELECT B.auction, B.price, B.bidder, B.dateTime, B.extra
    FROM bid B
    JOIN (
      SELECT MAX(price) AS maxprice, window_start + 10000 AS dateTime
      FROM (SELECT price, ${windowStart("dateTime", 10000)} AS window_start FROM bid)
      GROUP BY window_start
    ) B1 ON B.price = B1.maxprice
    WHERE B.dateTime BETWEEN B1.dateTime - 10000 AND B1.dateTime
    ORDER BY B.auction, B.price, B.bidder, B.dateTime, B.extra`,

  // q8.sql: people who opened an auction in the same TUMBLE window of 10 s in which they registered.
  q8: `
    SELECT P.id, P.name, P.starttime
    FROM (
      SELECT id, name, ${windowStart("dateTime", 10000)} AS starttime,
        ${windowStart("dateTime", 10000)} + 10000 AS endtime
      FROM person GROUP BY id, name, starttime, endtime
    ) P
    JOIN (
      SELECT seller, ${windowStart("dateTime", 10000)} AS starttime,
        ${windowStart("dateTime", 10000)} + 10000 AS endtime
      FROM auction GROUP BY seller, starttime, endtime
    ) A
    ON P.id = A.seller AND P.starttime = A.starttime AND P.endtime = A.endtime
    ORDER BY P.id, P.name, P.starttime`,
};

/** Runs a reference query over loaded tables, e.g. `referenceQuery(db, "q5")`; rows in a fixed order. */
export function referenceQuery(db: Database.Database, q: NexmarkReferenceQuery): Record<string, unknown>[] {
  const sql = QUERIES[q];
  if (sql === undefined)
    throw new Error(`no reference query "${String(q)}"; choose one of ${Object.keys(QUERIES).join(", ")}`);
  return db.prepare(sql).all() as Record<string, unknown>[];
}

/** The reference SQL of a query, for error messages and documentation. */
export function referenceSql(q: NexmarkReferenceQuery): string {
  return QUERIES[q];
}
