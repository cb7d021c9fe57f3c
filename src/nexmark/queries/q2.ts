/**
 * q2 — selection: bids on a set of auctions.
 * SELECT auction, price FROM bid WHERE MOD(auction, 123) = 0;
 */
import { isBid, type NexmarkQuery } from "./query.js";

export const q2: NexmarkQuery = {
  name: "q2",
  description: "bids on auctions whose id is a multiple of 123",
  columns: ["auction", "price"],
  build: (events) =>
    events
      .filter((e) => e.type === "bid" && e.auction % 123 === 0, { id: "selected-bids" })
      .filter(isBid)
      .map((b) => ({ auction: b.auction, price: b.price }), { id: "project" }),
};
