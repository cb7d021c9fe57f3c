/**
 * A source that makes records with a function, at a steady rate of processing time (or as fast as possible),
 * e.g. simulated sensors for demos and load tests. Deterministic for a given seed; its position is the number
 * of records made, so a restored job continues the same sequence.
 */
import type { Clock } from "../core/clock.js";
import type { Source, SourceBatch, SourceReader } from "./source.js";

/** A small fast seeded random number generator (mulberry32), handed to the record maker. */
export class SeededRandom {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  /** A float in [0, 1). */
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  /** A normally distributed number (Box–Muller). */
  gaussian(mean = 0, sd = 1): number {
    const u = 1 - this.next();
    const v = this.next();
    return mean + sd * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }
}

export interface GeneratorSourceOptions<T> {
  /** Makes record number `index`; `now` is the processing time it is made at. */
  readonly make: (index: number, random: SeededRandom, now: number) => T;
  /** Records per second of processing time; undefined: as fast as possible. */
  readonly ratePerSecond?: number;
  /** Stop after this many records (default: never). */
  readonly count?: number;
  readonly seed?: number;
  /** Records per batch when running as fast as possible (default 1024). */
  readonly batchSize?: number;
}

/** e.g. `generatorSource({ ratePerSecond: 500, make: (i, rng, now) => ({ id: i % 10, temp: rng.gaussian(20, 2), ts: now }) })` */
export function generatorSource<T>(options: GeneratorSourceOptions<T>): Source<T> {
  const limit = options.count ?? Number.POSITIVE_INFINITY;
  return {
    kind: "generator",
    partitions: 1,
    open(context): SourceReader<T> {
      let made = typeof context.resumeFrom === "number" ? context.resumeFrom : 0;
      const random = new SeededRandom((options.seed ?? 1) + made * 7919);
      const clock: Clock = context.clock;
      const started = clock.now();
      const startIndex = made;
      const makeBatch = (n: number): SourceBatch<T> => {
        const items: T[] = new Array(n);
        const now = clock.now();
        for (let i = 0; i < n; i++) items[i] = options.make(made++, random, now);
        return { partition: 0, items };
      };
      return {
        next(): SourceBatch<T> | null | Promise<SourceBatch<T> | null> {
          if (made >= limit) return null;
          const rate = options.ratePerSecond;
          if (rate === undefined) return makeBatch(Math.min(options.batchSize ?? 1024, limit - made));
          const due = Math.floor(((clock.now() - started) * rate) / 1000) - (made - startIndex);
          if (due > 0) return makeBatch(Math.min(due, limit - made, 10_000));
          return new Promise((resolve) => {
            clock.schedule(Math.max(1, Math.ceil(1000 / rate)), () =>
              resolve(this.next() as SourceBatch<T> | null),
            );
          });
        },
        position: () => made,
      };
    },
  };
}
