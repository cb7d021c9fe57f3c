/**
 * A small, fast, seeded random stream (a 32-bit SplitMix-style counter hashed by `hash32`) that can be
 * restarted at any (key, index) in O(1). The Nexmark generator restarts it for every event number, so event
 * N's data depends only on (seed, N) and seeking is free. Not cryptographic; not Java's Random.
 */

const TWO_POW_32 = 4294967296;
const GOLDEN_GAMMA = 0x9e3779b9;

/** A 32-bit integer hash with good avalanche (lowbias32); a bijection on uint32. */
export function hash32(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x21f0aaad);
  x ^= x >>> 15;
  x = Math.imul(x, 0x735a2d97);
  x ^= x >>> 15;
  return x >>> 0;
}

/** Derives a 32-bit stream key from a safe-integer seed and a stream number, e.g. `streamKey(42, 1)`. */
export function streamKey(seed: number, stream: number): number {
  const lo = seed >>> 0;
  const hi = Math.floor(seed / TWO_POW_32) >>> 0;
  return hash32(hash32(lo ^ Math.imul(stream + 1, GOLDEN_GAMMA)) ^ hash32(hi + 0x6a09e667));
}

/** A mutable random stream; allocate once and `restart` it, e.g. `r.restart(key, eventNumber)`. */
export class SeededRandom {
  private state: number;

  constructor(state = 0) {
    this.state = state | 0;
  }

  /** Jumps to the stream for (key, index); index is any non-negative safe integer. */
  restart(key: number, index: number): void {
    const low = hash32((index >>> 0) ^ key);
    this.state = index < TWO_POW_32 ? low : low ^ hash32(((index / TWO_POW_32) >>> 0) ^ 0x3c6ef372 ^ key);
  }

  /** Uniform integer in [0, 2^32). */
  nextU32(): number {
    this.state = (this.state + GOLDEN_GAMMA) | 0;
    let z = this.state;
    z ^= z >>> 16;
    z = Math.imul(z, 0x21f0aaad);
    z ^= z >>> 15;
    z = Math.imul(z, 0x735a2d97);
    z ^= z >>> 15;
    return z >>> 0;
  }

  /** Uniform integer in [0, bound) for 0 < bound ≤ 2^32 (like Java's nextInt / nextLong for small bounds). */
  nextInt(bound: number): number {
    return Math.floor((this.nextU32() * bound) / TWO_POW_32);
  }

  /** Uniform integer in [0, bound) for any positive safe-integer bound. */
  nextLong(bound: number): number {
    if (bound <= TWO_POW_32) return this.nextInt(bound);
    const r = (this.nextU32() * 2097152 + (this.nextU32() >>> 11)) / 9007199254740992; // 53 bits
    return Math.floor(r * bound);
  }

  /** Uniform number in [0, 1), 32 bits of resolution. */
  nextDouble(): number {
    return this.nextU32() / TWO_POW_32;
  }
}
