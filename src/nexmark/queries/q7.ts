/**
 * q7 — highest bid: the bids whose price is the highest of a 10 s tumbling window.
 * SELECT B.auction, B.price, B.bidder, B.dateTime, B.extra FROM bid B
 * JOIN (SELECT MAX(price) AS maxprice, window_end as dateTime FROM TUMBLE(bid, 10 s) GROUP BY window) B1
 * ON B.price = B1.maxprice WHERE B.dateTime BETWEEN B1.dateTime - INTERVAL '10' SECOND AND B1.dateTime;
 * A global window aggregate finds each window's maximum (its row has event time end - 1); an interval join
 * keyed by price pairs it with the bids at that price whose dateTime is in [end - 10 s, end], both inclusive
 * as BETWEEN is: relative to the row's time that is [-9 999 ms, +1 ms].
 */
import { max } from "../../aggregates/index.js";
import { tumbling } from "../../windows/window-assigner.js";
import { isBid, type NexmarkQuery } from "./query.js";

export const q7: NexmarkQuery = {
  name: "q7",
  description: "bids with the highest price of each 10 s window",
  columns: ["auction", "price", "bidder", "dateTime", "extra"],
  build: (events) => {
    const bids = events.filter(isBid, { id: "bids" });
    const maxima = bids
      .windowAll(tumbling("10s"), { id: "max-price" })
      .aggregate({ maxprice: max((b) => b.price) })
      .keyBy((w) => w.maxprice, { id: "max-by-price" });
    return maxima.intervalJoin(
      bids.keyBy((b) => b.price, { id: "bids-by-price" }),
      { lower: -9_999, upper: 1 },
      (_w, b) => ({ auction: b.auction, price: b.price, bidder: b.bidder, dateTime: b.dateTime, extra: b.extra }),
      { id: "highest-bids" },
    );
  },
};
