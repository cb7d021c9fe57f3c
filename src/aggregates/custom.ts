/**
 * `aggregate({...})`: a user-defined aggregate, with defaults for the optional parts of the contract.
 */
import { PipelineDefinitionError } from "../core/errors.js";
import type { AggregateFunction } from "./aggregate-function.js";

/** A user-defined aggregate: the four required methods, and optionally a name and clone / snapshot / restore. */
export interface AggregateDefinition<T, Acc, R> {
  /** Name for errors and docs (default "aggregate"). */
  kind?: string;
  create(): Acc;
  add(acc: Acc, record: T, time: number): Acc;
  merge(a: Acc, b: Acc): Acc;
  result(acc: Acc): R;
  /** Default: `structuredClone` (plain data only: class instances lose their prototype). */
  clone?(acc: Acc): Acc;
  /** Default: the accumulator itself, which must then be JSON-serialisable plain data. */
  snapshot?(acc: Acc): unknown;
  /** Default: the parsed snapshot itself. */
  restore?(saved: unknown): Acc;
}

/**
 * Wraps a user-defined aggregate into the AggregateFunction contract, e.g. the root mean square of a field:
 *
 * ```ts
 * const rms = aggregate({
 *   kind: "rms",
 *   create: () => ({ squares: 0, n: 0 }),
 *   add(acc, r: Reading) {
 *     acc.squares += r.temp * r.temp;
 *     acc.n++;
 *     return acc;
 *   },
 *   merge: (a, b) => ({ squares: a.squares + b.squares, n: a.n + b.n }),
 *   result: (acc) => (acc.n === 0 ? null : Math.sqrt(acc.squares / acc.n)),
 * });
 * ```
 *
 * The accumulator above is plain JSON data, so the default clone, snapshot and restore fit it. Methods are
 * called on `definition` (so `this` works in a class-based definition).
 *
 * Each record is added to a fresh accumulator (`create`, then `add`), which is then merged into the window's
 * with `merge(windowAcc, oneRecordAcc)`. So when `add` throws on a record, the window is left as it was and the
 * record goes to the dead-letter ledger as `failed`; but `create` and `merge` run once per record: keep them
 * cheap, and make `merge` cost what its second argument holds (push b's items into a; never copy a).
 */
export function aggregate<T, Acc, R>(
  definition: AggregateDefinition<T, Acc, R>,
): AggregateFunction<T, Acc, R, Acc> {
  const d = definition;
  const kind = d.kind ?? "aggregate";
  for (const method of ["create", "add", "merge", "result"] as const) {
    if (typeof d[method] !== "function") {
      throw new PipelineDefinitionError(`aggregate "${kind}": ${method} must be a function`, {
        kind,
        method,
      });
    }
  }
  return {
    kind,
    create: () => d.create(),
    read: (record, time) => d.add(d.create(), record, time),
    add: (acc, one) => d.merge(acc, one),
    merge: (a, b) => d.merge(a, b),
    result: (acc) => d.result(acc),
    clone: d.clone ? (acc) => d.clone!(acc) : (acc) => structuredClone(acc),
    snapshot: d.snapshot ? (acc) => d.snapshot!(acc) : (acc) => acc,
    restore: d.restore ? (saved) => d.restore!(saved) : (saved) => saved as Acc,
  };
}
