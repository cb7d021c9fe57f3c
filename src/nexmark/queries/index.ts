/**
 * The Nexmark queries q0–q5, q7 and q8, each built on the public Stream API, by name.
 */
import { q0 } from "./q0.js";
import { q1 } from "./q1.js";
import { q2 } from "./q2.js";
import { q3 } from "./q3.js";
import { q4 } from "./q4.js";
import { q5 } from "./q5.js";
import { q7 } from "./q7.js";
import { q8 } from "./q8.js";
import type { NexmarkQuery } from "./query.js";

export type { NexmarkQuery, NexmarkRow } from "./query.js";

export const NEXMARK_QUERIES: Readonly<Record<string, NexmarkQuery>> = { q0, q1, q2, q3, q4, q5, q7, q8 };

/** The query called `name` (e.g. "q5"), or undefined. */
export function nexmarkQuery(name: string): NexmarkQuery | undefined {
  return Object.hasOwn(NEXMARK_QUERIES, name) ? NEXMARK_QUERIES[name] : undefined;
}
