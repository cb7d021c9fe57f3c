/**
 * q0 — pass-through: every bid, unchanged. Measures the engine's own overhead.
 * SELECT auction, bidder, price, dateTime, extra FROM bid;
 */
import { isBid, type NexmarkQuery } from "./query.js";

export const q0: NexmarkQuery = {
  name: "q0",
  description: "pass-through of every bid",
  columns: ["auction", "bidder", "price", "dateTime", "extra"],
  build: (events) =>
    events.filter(isBid, { id: "bids" }).map(
      (b) => ({
        auction: b.auction,
        bidder: b.bidder,
        price: b.price,
        dateTime: b.dateTime,
        extra: b.extra,
      }),
      {
        id: "project",
      },
    ),
};
