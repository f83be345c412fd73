#!/usr/bin/env node
/**
 * Generates the table of backprop's exp (src/core/exp.ts, assembly/exp.ts): for j = 0 … 127 the
 * pair (hi, rel) of doubles with hi = 2^(j/128) rounded to nearest and rel = (2^(j/128) − hi)/hi
 * rounded to nearest, so hi·(1 + rel) carries 2^(j/128) to about 2^-106 relative.
 *
 * Exact integer arithmetic only (BigInt): 2^(j/128)·2^P is the integer root
 * ⌊(2^(j + 128·P))^(1/128)⌋, found by bisection on y^128 ≤ 2^(j + 128·P); with P = 200 fraction bits
 * the two doubles are then rounded from an integer with 200 + 1 bits, far more than the 106 they keep.
 *
 * `node scripts/gen-exp-table.mjs` prints the table in the form both sources hold;
 * test/core/exp.test.ts imports {@link expTable} and compares it with the constants in the sources.
 */
import { fileURLToPath } from 'node:url';

/** Table size N: the reduction leaves |r| ≤ ln2/(2N) ≈ 0.0027. */
export const TABLE_BITS = 7;
const N = 1 << TABLE_BITS;
/** Fraction bits of the exact fixed-point values. */
const P = 200n;

/** ⌊2^(j/N) · 2^P⌋ by bisection: the largest y with y^N ≤ 2^(j + N·P). */
function rootFixed(j) {
  const target = 1n << (BigInt(j) + BigInt(N) * P);
  let lo = 1n << P; // 2^(j/N) ≥ 1
  let hi = 2n << P; // and < 2
  while (hi - lo > 1n) {
    const mid = (lo + hi) >> 1n;
    if (mid ** BigInt(N) <= target) lo = mid;
    else hi = mid;
  }
  return lo;
}

/**
 * The double nearest to v·2^-P for a positive BigInt v. The exact value lies within two units
 * of v, so the rounding is decided by v alone unless v's dropped bits are that close to one
 * half: then the table would need more bits, and the script says so rather than guess.
 * @param v fixed-point value with P fraction bits
 */
function toDouble(v) {
  const bits = v.toString(2).length;
  const shift = bits - 53;
  let m = v >> BigInt(shift);
  const rest = v - (m << BigInt(shift));
  const half = 1n << BigInt(shift - 1);
  const off = rest - half;
  if (off >= -2n && off <= 2n) throw new Error('gen-exp-table: a tie within the precision; raise P');
  if (rest > half) m += 1n;
  // m·2^(shift − P): exact in a double (m ≤ 2^53, exponent well inside the normal range).
  return Number(m) * 2 ** (shift - Number(P));
}

/** The exact BigInt (P fraction bits) of a double d ≥ 0 whose bits lie at or above 2^-P. */
function fixedOf(d) {
  if (d === 0) return 0n;
  let e = 0;
  let m = d;
  while (!Number.isInteger(m)) {
    m *= 2;
    e++;
  }
  return (BigInt(m) << P) >> BigInt(e);
}

/**
 * The table: [hi₀, rel₀, hi₁, rel₁, …], 2·N doubles.
 * @returns the pairs (hi, rel) of 2^(j/N), j = 0 … N − 1
 */
export function expTable() {
  const out = [];
  for (let j = 0; j < N; j++) {
    const exact = rootFixed(j);
    const hi = j === 0 ? 1 : toDouble(exact);
    // (2^(j/N) − hi)/hi with 2^(j/N) in [exact, exact + 1)·2^-P: the quotient in fixed point,
    // rounded toward the same side for either sign (the tie check in toDouble makes that safe).
    const h = fixedOf(hi);
    const diff = ((exact - h) << P) / h;
    const rel = j === 0 ? 0 : diff >= 0n ? toDouble(diff) : -toDouble(-diff - 1n);
    out.push(hi, rel);
  }
  return out;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const t = expTable();
  const lines = [];
  for (let j = 0; j < N; j++) lines.push(`  ${String(t[2 * j])}, ${String(t[2 * j + 1])},`);
  console.log(lines.join('\n'));
}
