/**
 * q4 — average closing price per category.
 * SELECT Q.category, AVG(Q.final) FROM (
 *   SELECT MAX(B.price) AS final, A.category FROM auction A, bid B
 *   WHERE A.id = B.auction AND B.dateTime BETWEEN A.dateTime AND A.expires GROUP BY A.id, A.category
 * ) Q GROUP BY Q.category;
 * Per auction, a keyed `process` step keeps the highest qualifying bid and emits it once the watermark
 * passes the auction's expiry (bids that arrive before their auction wait until the watermark shows the
 * auction can no longer precede them). A second step keeps the running average per category and emits an
 * update for each closed auction; the final value per category is the result. AVG is the exact mean as a
 * floating-point number (Flink's AVG over BIGINT would truncate it to an integer).
 */
import type { Auction, Bid } from "../model.js";
import { isAuction, isBid, type NexmarkQuery } from "./query.js";

type Side =
  | { readonly bid: Bid; readonly auction?: undefined }
  | { readonly auction: Auction; readonly bid?: undefined };
interface OpenAuction {
  readonly category: number;
  readonly start: number;
  readonly expires: number;
  maxPrice: number | null;
}
interface ClosedAuction {
  readonly auction: number;
  readonly category: number;
  readonly final: number;
}

export const q4: NexmarkQuery = {
  name: "q4",
  description: "average closing price per category",
  columns: ["category", "final"],
  upsertKey: ["category"],
  build: (events) => {
    const bids = events.filter(isBid, { id: "bids" }).map((bid): Side => ({ bid }), { id: "bid-side" });
    const auctions = events
      .filter(isAuction, { id: "auctions" })
      .map((auction): Side => ({ auction }), { id: "auction-side" });
    const closed = bids
      .union(auctions)
      .keyBy((s) => (s.bid !== undefined ? s.bid.auction : s.auction!.id), { id: "by-auction" })
      .process<ClosedAuction>(
        {
          onRecord(side, ctx) {
            const open = ctx.value<OpenAuction>("auction");
            if (side.auction !== undefined) {
              const a = side.auction;
              const state: OpenAuction = {
                category: a.category,
                start: a.dateTime,
                expires: a.expires,
                maxPrice: null,
              };
              const early = ctx.list<Bid>("early-bids");
              for (const b of early.get()) {
                if (
                  b.dateTime >= state.start &&
                  b.dateTime <= state.expires &&
                  (state.maxPrice === null || b.price > state.maxPrice)
                ) {
                  state.maxPrice = b.price;
                }
              }
              early.clear();
              open.set(state);
              ctx.timers.eventTime(a.expires);
              return;
            }
            const b = side.bid!;
            const state = open.get();
            if (state === undefined) {
              // The auction may still arrive (with dateTime ≤ this bid's) until the watermark passes the bid.
              ctx.list<Bid>("early-bids").add(b);
              ctx.timers.eventTime(b.dateTime);
            } else if (b.dateTime >= state.start && b.dateTime <= state.expires) {
              if (state.maxPrice === null || b.price > state.maxPrice) {
                state.maxPrice = b.price;
                open.set(state);
              }
            }
          },
          onTimer(time, _domain, ctx) {
            const open = ctx.value<OpenAuction>("auction");
            const state = open.get();
            if (state !== undefined && time === state.expires) {
              if (state.maxPrice !== null)
                ctx.emit({ auction: ctx.key, category: state.category, final: state.maxPrice });
              open.clear();
              return;
            }
            if (state === undefined) {
              const early = ctx.list<Bid>("early-bids");
              const keep = early.get().filter((b) => b.dateTime > time);
              early.set(keep);
            }
          },
        },
        { id: "max-per-auction" },
      );
    return closed
      .keyBy((c) => c.category, { id: "by-category" })
      .process<{ category: number; final: number }>(
        {
          onRecord(c, ctx) {
            const totals = ctx.value<{ sum: number; n: number }>("totals");
            const t = totals.get() ?? { sum: 0, n: 0 };
            t.sum += c.final;
            t.n += 1;
            totals.set(t);
            ctx.emit({ category: c.category, final: t.sum / t.n });
          },
        },
        { id: "average-per-category" },
      );
  },
};
