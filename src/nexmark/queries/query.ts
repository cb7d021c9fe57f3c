/**
 * What a Nexmark query is: a name, the SQL it follows, and a function that builds it on the public Stream
 * API over the event stream (event time already assigned: dateTime, with a 4 s bound as in the suite's DDL).
 */
import type { Stream } from "../../dataflow/stream.js";
import type { Auction, Bid, NexmarkEvent, Person } from "../model.js";

export type NexmarkRow = Record<string, unknown>;

export interface NexmarkQuery {
  readonly name: string;
  readonly description: string;
  /** Result columns, in output order. */
  readonly columns: readonly string[];
  /** Builds the query; returns its result stream. */
  build(events: Stream<NexmarkEvent>): Stream<NexmarkRow>;
  /**
   * For queries whose results update (q4): the columns that identify a result row, so `--output` can hold
   * the final value per row at end of input.
   */
  readonly upsertKey?: readonly string[];
}

export const isBid = (e: NexmarkEvent): e is Bid => e.type === "bid";
export const isAuction = (e: NexmarkEvent): e is Auction => e.type === "auction";
export const isPerson = (e: NexmarkEvent): e is Person => e.type === "person";
