/**
 * q5 — hot items: the auctions with the most bids in each sliding window (10 s, every 2 s), ties included.
 * SELECT AuctionBids.auction, AuctionBids.num FROM (count per auction per HOP window) AuctionBids
 * JOIN (max of those counts per window) MaxBids ON same window AND AuctionBids.num >= MaxBids.maxn;
 * Rows also carry `starttime` and `endtime` so windows can be told apart.
 * A window aggregate counts bids per auction; a keyed `process` step per window keeps the counts and the
 * maximum, and emits the winners once the watermark passes the window.
 */
import { count } from "../../aggregates/index.js";
import { sliding } from "../../windows/window-assigner.js";
import { isBid, type NexmarkQuery } from "./query.js";

interface AuctionCount {
  readonly auction: number;
  readonly num: number;
}

export const q5: NexmarkQuery = {
  name: "q5",
  description: "auctions with the most bids per 10 s window, every 2 s",
  columns: ["auction", "num", "starttime", "endtime"],
  build: (events) =>
    events
      .filter(isBid, { id: "bids" })
      .keyBy((b) => b.auction, { id: "by-auction" })
      .window(sliding("10s", "2s"), { id: "bids-per-auction" })
      .aggregate({ num: count() })
      .keyBy((r) => r.windowStart, { id: "by-window" })
      .process<{ auction: number; num: number; starttime: number; endtime: number }>(
        {
          onRecord(r, ctx) {
            const counts = ctx.list<AuctionCount>("counts");
            const best = ctx.value<number>("max");
            if (counts.get().length === 0) ctx.timers.eventTime(r.windowEnd - 1);
            counts.add({ auction: r.key, num: r.num });
            const max = best.get();
            if (max === undefined || r.num > max) best.set(r.num);
          },
          onTimer(time, _domain, ctx) {
            const max = ctx.value<number>("max").get()!;
            const starttime = ctx.key;
            const endtime = time + 1;
            for (const c of ctx.list<AuctionCount>("counts").get()) {
              if (c.num >= max) ctx.emit({ auction: c.auction, num: c.num, starttime, endtime });
            }
            ctx.list<AuctionCount>("counts").clear();
            ctx.value<number>("max").clear();
          },
        },
        { id: "hottest" },
      ),
};
