/**
 * q3 — local item suggestion: sellers in Oregon, Idaho or California with auctions in category 10.
 * SELECT P.name, P.city, P.state, A.id FROM auction AS A INNER JOIN person AS P on A.seller = P.id
 * WHERE A.category = 10 and (P.state = 'OR' OR P.state = 'ID' OR P.state = 'CA');
 * A regular (unwindowed) join: a keyed `process` step keeps each seller's person row and the auctions that
 * arrived before it, and emits a row as soon as both sides are there.
 */
import type { Auction, Person } from "../model.js";
import { isAuction, isPerson, type NexmarkQuery } from "./query.js";

type Side =
  | { readonly person: Person; readonly auction?: undefined }
  | { readonly auction: Auction; readonly person?: undefined };
interface Seller {
  readonly name: string;
  readonly city: string;
  readonly state: string;
}

export const q3: NexmarkQuery = {
  name: "q3",
  description: "auctions in category 10 by sellers in OR, ID or CA",
  columns: ["name", "city", "state", "id"],
  build: (events) => {
    const persons = events
      .filter(isPerson, { id: "persons" })
      .filter((p) => p.state === "OR" || p.state === "ID" || p.state === "CA", { id: "local-persons" })
      .map((person): Side => ({ person }), { id: "person-side" });
    const auctions = events
      .filter(isAuction, { id: "auctions" })
      .filter((a) => a.category === 10, { id: "category-10" })
      .map((auction): Side => ({ auction }), { id: "auction-side" });
    return persons
      .union(auctions)
      .keyBy((s) => (s.person !== undefined ? s.person.id : s.auction!.seller), { id: "by-seller" })
      .process<{ name: string; city: string; state: string; id: number }>(
        {
          onRecord(side, ctx) {
            const seller = ctx.value<Seller>("seller");
            const waiting = ctx.list<number>("waiting-auctions");
            if (side.person !== undefined) {
              const p = side.person;
              seller.set({ name: p.name, city: p.city, state: p.state });
              for (const id of waiting.get()) ctx.emit({ name: p.name, city: p.city, state: p.state, id });
              waiting.clear();
              return;
            }
            const s = seller.get();
            if (s === undefined) waiting.add(side.auction!.id);
            else ctx.emit({ name: s.name, city: s.city, state: s.state, id: side.auction!.id });
          },
        },
        { id: "join" },
      );
  },
};
