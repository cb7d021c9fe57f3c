/**
 * The Nexmark event model: people, auctions and bids, as in the nexmark-flink DDL. Property order is the
 * NDJSON column order. Ids, prices and times are integer JS numbers; `dateTime` and `expires` are epoch
 * milliseconds.
 */

/** A new person registered with the auction site. */
export interface Person {
  type: "person";
  id: number;
  name: string;
  emailAddress: string;
  creditCard: string;
  city: string;
  state: string;
  dateTime: number;
  extra: string;
}

/** A new auction opened by `seller`, running from `dateTime` until `expires`. */
export interface Auction {
  type: "auction";
  id: number;
  itemName: string;
  description: string;
  initialBid: number;
  reserve: number;
  dateTime: number;
  expires: number;
  seller: number;
  category: number;
  extra: string;
}

/** A bid by person `bidder` on auction `auction`. */
export interface Bid {
  type: "bid";
  auction: number;
  bidder: number;
  price: number;
  channel: string;
  url: string;
  dateTime: number;
  extra: string;
}

/** One Nexmark event; `type` tells which. */
export type NexmarkEvent = Person | Auction | Bid;
