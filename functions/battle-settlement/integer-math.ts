/**
 * Integer arithmetic for the replay. Operands are non-negative safe integers; `a % b` and the
 * subtraction are exact, so the final division is exact too — no float rounding can creep in.
 */
export function idiv(a: number, b: number): number {
  return (a - (a % b)) / b;
}

/** value × bp ÷ 10 000, rounded down. */
export function applyBp(value: number, bp: number): number {
  return idiv(value * bp, 10_000);
}
