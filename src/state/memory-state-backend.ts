/**
 * In-memory state backend: a Map per table. Fast, and snapshot-ready for checkpoints.
 */
import type { StateBackend, StateSnapshot, StateTable } from "./state-backend.js";

/** Keeps state in Maps, e.g. `new MemoryStateBackend().table<number>("count-1", "total")`. */
export class MemoryStateBackend implements StateBackend {
  private readonly tables = new Map<string, { stepId: string; name: string; map: Map<unknown, unknown> }>();

  table<V>(stepId: string, name: string): StateTable<V> {
    const id = `${stepId}\u0000${name}`;
    let entry = this.tables.get(id);
    if (entry === undefined) {
      entry = { stepId, name, map: new Map() };
      this.tables.set(id, entry);
    }
    return entry.map as unknown as StateTable<V>;
  }

  snapshot(): StateSnapshot {
    const out: StateSnapshot = [];
    for (const { stepId, name, map } of this.tables.values()) {
      out.push([stepId, name, structuredClone([...map.entries()])]);
    }
    return out;
  }

  restore(snapshot: StateSnapshot): void {
    for (const { map } of this.tables.values()) map.clear();
    for (const [stepId, name, entries] of snapshot) {
      const map = this.table<unknown>(stepId, name) as unknown as Map<unknown, unknown>;
      for (const [k, v] of structuredClone(entries)) map.set(k, v);
    }
  }
}
