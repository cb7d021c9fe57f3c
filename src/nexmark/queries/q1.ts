/**
 * q1 — currency conversion: bid prices from dollars to euros.
 * SELECT auction, bidder, 0.908 * price as price, dateTime, extra FROM bid;
 * Flink types 0.908 * price as DECIMAL(23, 3): exact. Here it is (price × 908) / 1000, an exact integer product
 * divided once, so the number is the closest double to the exact decimal and prints as it (e.g. 1120.472).
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
        price: (b.price * 908) / 1000,
        dateTime: b.dateTime,
        extra: b.extra,
      }),
      { id: "to-euro" },
    ),
};
