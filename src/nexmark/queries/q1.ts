/**
 * q1 — currency conversion: bid prices from dollars to euros.
 * SELECT auction, bidder, 0.908 * price as price, dateTime, extra FROM bid;
 * (0.908 * price is computed in IEEE double precision, as SQLite and DuckDB do.)
 */
import { isBid, type NexmarkQuery } from "./query.js";

export const q1: NexmarkQuery = {
  name: "q1",
  description: "bid prices converted from dollars to euros",
  columns: ["auction", "bidder", "price", "dateTime", "extra"],
  build: (events) =>
    events.filter(isBid, { id: "bids" }).map(
      (b) => ({
        auction: b.auction,
        bidder: b.bidder,
        price: 0.908 * b.price,
        dateTime: b.dateTime,
        extra: b.extra,
      }),
      { id: "to-euro" },
    ),
};
