/**
 * q7 — highest bid: the bids whose price is the highest of a 10 s tumbling window.
 * SELECT B.auction, B.price, B.bidder, B.dateTime, B.extra FROM bid B
 * JOIN (SELECT MAX(price) AS maxprice, window_end as dateTime FROM TUMBLE(bid, 10 s) GROUP BY window) B1
 * ON B.price = B1.maxprice WHERE B.dateTime BETWEEN B1.dateTime - INTERVAL '10' SECOND AND B1.dateTime;
 *
 * Plan: instead of buffering every bid for 10 s to join it back (an interval join on price), a keyed
 * `process` step per window keeps only what can match: the window's running maximum with the bids at that
 * price, and the bids at exactly the window's end time (BETWEEN includes them though they belong to the next
 * window). Bids at a window boundary are therefore sent to both windows. When the watermark passes the
 * window's end, the bids priced at the maximum are emitted. Same result as the SQL, constant state per window.
 */
import type { Bid } from "../model.js";
import { isBid, type NexmarkQuery } from "./query.js";

const WINDOW = 10_000;

interface Candidate {
  /** Start of the window this copy of the bid is considered for. */
  readonly window: number;
  readonly bid: Bid;
}

interface WindowMax {
  price: number;
  /** Bids in [start, end) priced at `price`, in arrival order. */
  bids: Bid[];
  /** Bids at exactly `end` (they count for this window's BETWEEN but not for its maximum). */
  atEnd: Bid[];
}

export const q7: NexmarkQuery = {
  name: "q7",
  description: "bids with the highest price of each 10 s window",
  columns: ["auction", "price", "bidder", "dateTime", "extra"],
  build: (events) =>
    events
      .filter(isBid, { id: "bids" })
      .flatMap(
        (bid): Candidate[] => {
          const start = bid.dateTime - (((bid.dateTime % WINDOW) + WINDOW) % WINDOW);
          const own = { window: start, bid };
          return bid.dateTime === start ? [own, { window: start - WINDOW, bid }] : [own];
        },
        { id: "candidate-windows" },
      )
      .keyBy((c) => c.window, { id: "by-window" })
      .process<{ auction: number; price: number; bidder: number; dateTime: number; extra: string }>(
        {
          onRecord({ window, bid }, ctx) {
            const state = ctx.value<WindowMax>("max");
            let s = state.get();
            if (s === undefined) {
              s = { price: Number.NEGATIVE_INFINITY, bids: [], atEnd: [] };
              ctx.timers.eventTime(window + WINDOW);
            }
            if (bid.dateTime === window + WINDOW) s.atEnd.push(bid);
            else if (bid.price > s.price) {
              s.price = bid.price;
              s.bids = [bid];
            } else if (bid.price === s.price) s.bids.push(bid);
            state.set(s);
          },
          onTimer(_time, _domain, ctx) {
            const state = ctx.value<WindowMax>("max");
            const s = state.get()!;
            state.clear();
            if (s.bids.length === 0) return; // only boundary bids: the window had no bid of its own
            for (const list of [s.bids, s.atEnd]) {
              for (const b of list) {
                if (b.price !== s.price) continue;
                ctx.emit({
                  auction: b.auction,
                  price: b.price,
                  bidder: b.bidder,
                  dateTime: b.dateTime,
                  extra: b.extra,
                });
              }
            }
          },
        },
        { id: "highest-bids" },
      ),
};
