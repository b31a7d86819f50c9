/**
 * Counter-based randomness: every draw is a hash of (seed, coordinates), so the value at any
 * point of the simulated market is computed directly, in any order, on any isolate, with the
 * same result. No state, no Math.random, no timers.
 */

/** FNV-1a of a text seed, so seeds can be words ("coinhubx") in config and tests. */
export function seedFromText(text: string): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < text.length; index++) {
    hash ^= text.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

function finalize(value: number): number {
  let hash = value;
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  hash ^= hash >>> 16;
  return hash >>> 0;
}

/** A 32-bit hash of up to five non-negative integer coordinates below 2^32. */
function hash32(seed: number, a: number, b: number, c: number, d: number): number {
  let hash = seed >>> 0;
  hash = finalize(Math.imul(hash ^ (a >>> 0), 0x9e3779b1) + 0x7f4a7c15);
  hash = finalize(Math.imul(hash ^ (b >>> 0), 0x85ebca77) + 0x165667b1);
  hash = finalize(Math.imul(hash ^ (c >>> 0), 0xc2b2ae3d) + 0x27d4eb2f);
  hash = finalize(Math.imul(hash ^ (d >>> 0), 0x9e3779b1) + 0x61c88647);
  return hash;
}

const TWO_POW_32 = 4_294_967_296;

/** Uniform in the open interval (0, 1). */
export function uniform(seed: number, a: number, b: number, c: number, d: number): number {
  return (hash32(seed, a, b, c, d) + 0.5) / TWO_POW_32;
}

/** Standard normal by Box–Muller from two independent uniforms of the same coordinates. */
export function normal(seed: number, a: number, b: number, c: number, d: number): number {
  const u1 = uniform(seed, a, b, c, d * 2);
  const u2 = uniform(seed, a, b, c, d * 2 + 1);
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
}

/** A bounded least-recently-used memo: past market history is immutable, so it caches forever. */
export class Lru<Key, Value> {
  private readonly entries = new Map<Key, Value>();
  constructor(private readonly maxEntries: number) {}

  get(key: Key): Value | undefined {
    const value = this.entries.get(key);
    if (value !== undefined) {
      this.entries.delete(key);
      this.entries.set(key, value);
    }
    return value;
  }

  set(key: Key, value: Value): void {
    this.entries.delete(key);
    this.entries.set(key, value);
    if (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
  }

  get size(): number {
    return this.entries.size;
  }
}
