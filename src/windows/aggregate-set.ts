/**
 * Runs a named set of aggregates side by side over one accumulator array, and builds the result rows
 * `{ key, windowStart, windowEnd, ...results }` that window steps emit.
 */
import type { AggregateFunction, AggregateSpec } from "../aggregates/aggregate-function.js";

/** What a window aggregate emits: the key, the window, and one field per aggregate. */
export type WindowResult<K, R> = { key: K; windowStart: number; windowEnd: number } & R;

export class AggregateSet<T> {
  private readonly names: string[];
  // biome-ignore lint/suspicious/noExplicitAny: accumulators differ per aggregate
  private readonly fns: AggregateFunction<T, any, any>[];

  constructor(spec: AggregateSpec<T>) {
    this.names = Object.keys(spec);
    this.fns = this.names.map((n) => spec[n]!);
    for (const reserved of ["key", "windowStart", "windowEnd"]) {
      if (this.names.includes(reserved)) {
        throw new RangeError(
          `aggregate name "${reserved}" is reserved for the result row; pick another name`,
        );
      }
    }
  }

  create(): unknown[] {
    const fns = this.fns;
    const accs = new Array(fns.length);
    for (let i = 0; i < fns.length; i++) accs[i] = fns[i]!.create();
    return accs;
  }

  add(accs: unknown[], record: T, time: number): void {
    const fns = this.fns;
    for (let i = 0; i < fns.length; i++) accs[i] = fns[i]!.add(accs[i], record, time);
  }

  /** Merges `from` into `into` (which it changes). */
  merge(into: unknown[], from: unknown[]): void {
    const fns = this.fns;
    for (let i = 0; i < fns.length; i++) into[i] = fns[i]!.merge(into[i], fns[i]!.clone(from[i]));
  }

  clone(accs: unknown[]): unknown[] {
    const fns = this.fns;
    const copy = new Array(fns.length);
    for (let i = 0; i < fns.length; i++) copy[i] = fns[i]!.clone(accs[i]);
    return copy;
  }

  row(key: unknown, windowStart: number, windowEnd: number, accs: unknown[]): Record<string, unknown> {
    const row: Record<string, unknown> = { key, windowStart, windowEnd };
    const fns = this.fns;
    for (let i = 0; i < fns.length; i++) row[this.names[i]!] = fns[i]!.result(accs[i]);
    return row;
  }

  snapshot(accs: unknown[]): unknown[] {
    return accs.map((a, i) => this.fns[i]!.snapshot(a));
  }

  restore(saved: unknown[]): unknown[] {
    return saved.map((s, i) => this.fns[i]!.restore(s));
  }
}
