/**
 * q8 — monitor new users: people who opened an auction in the same 10 s tumbling window they registered in.
 * SELECT P.id, P.name, P.starttime FROM (persons per TUMBLE 10 s, grouped by id, name, window) P
 * JOIN (sellers per TUMBLE 10 s, grouped by seller, window) A
 * ON P.id = A.seller AND P.starttime = A.starttime AND P.endtime = A.endtime;
 * A window co-group of persons (by id) and auctions (by seller) emits one row per person and window when
 * both sides have records, as the two GROUP BYs make the SQL join one row per person and window.
 */
import { tumbling } from "../../windows/window-assigner.js";
import { isAuction, isPerson, type NexmarkQuery } from "./query.js";

export const q8: NexmarkQuery = {
  name: "q8",
  description: "people who registered and opened an auction in the same 10 s window",
  columns: ["id", "name", "starttime"],
  build: (events) => {
    const persons = events.filter(isPerson, { id: "persons" }).keyBy((p) => p.id, { id: "persons-by-id" });
    const auctions = events
      .filter(isAuction, { id: "auctions" })
      .keyBy((a) => a.seller, { id: "auctions-by-seller" });
    return persons.windowCoGroup(
      auctions,
      tumbling("10s"),
      (ps, as, _key, w) => {
        if (ps.length === 0 || as.length === 0) return [];
        const seen = new Set<string>();
        const rows: Array<{ id: number; name: string; starttime: number }> = [];
        for (const p of ps) {
          const id = `${p.id}\u0000${p.name}`;
          if (seen.has(id)) continue;
          seen.add(id);
          rows.push({ id: p.id, name: p.name, starttime: w.start });
        }
        return rows;
      },
      { id: "new-sellers" },
    );
  },
};
