/**
 * A fast 64-bit hash of strings and numbers, delivered as two 32-bit words, for sketches that need
 * well-mixed bits (HyperLogLog). Two MurmurHash3-style lanes with different constants run over the input in
 * one pass and are cross-mixed at the end, as in MurmurHash3_x86_128. Numbers hash by value (their float64
 * bits, with -0 folded into 0 and every NaN into one), so `1` and `1.0` agree while the string `"1"` differs.
 * Not a cryptographic hash: adversarial inputs can collide.
 */

const A1 = 0xcc9e2d51;
const A2 = 0x1b873593;
const B1 = 0x85ebca77;
const B2 = 0xc2b2ae3d;
const STRING_SEED_A = 0x9747b28c;
const STRING_SEED_B = 0x1f83d9ab;
const NUMBER_SEED_A = 0x5be0cd19;
const NUMBER_SEED_B = 0x6a09e667;

const float64 = new Float64Array(1);
const words = new Uint32Array(float64.buffer);

/**
 * Writes the 64-bit hash of `value` into `out[0]` (high word) and `out[1]` (low word), allocating nothing,
 * e.g. `const h = new Uint32Array(2); hashValue("user-1", h);`.
 */
export function hashValue(value: string | number, out: Uint32Array): void {
  let a: number;
  let b: number;
  let length: number;
  if (typeof value === "number") {
    if (Number.isNaN(value)) {
      a = NUMBER_SEED_A ^ 0x7ff80000;
      b = NUMBER_SEED_B ^ 0x7ff80000;
    } else {
      float64[0] = value === 0 ? 0 : value;
      const w0 = words[0];
      const w1 = words[1];
      a = laneA(laneA(NUMBER_SEED_A, w0), w1);
      b = laneB(laneB(NUMBER_SEED_B, w0), w1);
    }
    length = 8;
  } else {
    // Other values from untyped callers (booleans, bigints, null) hash as their string form.
    const text = typeof value === "string" ? value : String(value);
    a = STRING_SEED_A;
    b = STRING_SEED_B;
    const n = text.length;
    let i = 0;
    for (; i + 1 < n; i += 2) {
      const k = text.charCodeAt(i) | (text.charCodeAt(i + 1) << 16);
      a = laneA(a, k);
      b = laneB(b, k);
    }
    if (i < n) {
      const k = text.charCodeAt(i);
      a = laneA(a, k);
      b = laneB(b, k);
    }
    length = n * 2;
  }
  a ^= length;
  b ^= length;
  a = (a + b) | 0;
  b = (b + a) | 0;
  a = finalMix(a);
  b = finalMix(b);
  a = (a + b) | 0;
  b = (b + a) | 0;
  out[0] = a;
  out[1] = b;
}

function laneA(h: number, k: number): number {
  k = Math.imul(k, A1);
  k = (k << 15) | (k >>> 17);
  k = Math.imul(k, A2);
  h ^= k;
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

function laneB(h: number, k: number): number {
  k = Math.imul(k, B1);
  k = (k << 17) | (k >>> 15);
  k = Math.imul(k, B2);
  h ^= k;
  h = (h << 15) | (h >>> 17);
  return (Math.imul(h, 5) + 0x38495ab5) | 0;
}

function finalMix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}
