/**
 * The replay's only source of chance: Marsaglia's xorshift32 on 32-bit integers (shifts, xor,
 * `>>> 0`), so every engine produces the same sequence. The seed is first scrambled with an
 * integer multiply-xorshift (Math.imul, exact in 32 bits) because xorshift's state must be
 * non-zero and neighbouring seeds should not start with neighbouring sequences.
 */
export class Prng {
  private state: number;

  constructor(seed: number) {
    let s = (seed ^ 0x9e3779b9) >>> 0;
    s = Math.imul(s ^ (s >>> 16), 0x85ebca6b) >>> 0;
    s = Math.imul(s ^ (s >>> 13), 0xc2b2ae35) >>> 0;
    s = (s ^ (s >>> 16)) >>> 0;
    this.state = s === 0 ? 0x6d2b79f5 : s;
  }

  /** The next value in 0 .. 2^32 - 1. */
  next(): number {
    let x = this.state;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.state = x >>> 0;
    return this.state;
  }

  /** True with probability chanceBp / 10 000 (the modulo bias, < 3e-6, is the same on every engine). */
  chance(chanceBp: number): boolean {
    return this.next() % 10_000 < chanceBp;
  }
}
