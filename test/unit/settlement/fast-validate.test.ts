import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { battleLogSchema } from '../../../functions/battle-settlement/battle-log.ts';
import { fastBattleLog } from '../../../functions/battle-settlement/fast-validate.ts';
import { simulateBattle } from '../../../functions/battle-settlement/simulator.ts';

/** Every path to a value in a JSON tree (objects and arrays included). */
function paths(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  if (value === null || typeof value !== 'object') return [prefix];
  const entries = Array.isArray(value) ? value.map((v, i) => [i, v] as const) : Object.entries(value);
  return [prefix, ...entries.flatMap(([k, v]) => paths(v, [...prefix, k]))];
}

function setAt(root: Record<string, unknown>, path: (string | number)[], value: unknown): void {
  let node = root as Record<string | number, unknown>;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  const last = path.at(-1)!;
  if (value === undefined) delete node[last];
  else node[last] = value;
}

const weird = fc.oneof(
  fc.constant(undefined),
  fc.constant(null),
  fc.integer({ min: -5, max: 5 }),
  fc.constantFrom(0.5, -0, 2 ** 32, 2 ** 53, 1e300, Number.MAX_SAFE_INTEGER),
  fc.constantFrom('', 'p1', 'e1', 'victory', 'draw', 'a'.repeat(64), 'a'.repeat(65), '😀'.repeat(20), 'has space', '../x'),
  fc.constant([]),
  fc.constant({}),
  fc.constant({ extra: 1 }),
);

describe('the fast validator', () => {
  it('accepts every simulated log, giving exactly what the schema gives (same keys, same order)', () => {
    for (const seed of [1, 2, 3, 4, 5, 6]) {
      const raw = JSON.parse(JSON.stringify(simulateBattle({ seed, players: 1 + (seed % 6), enemies: 1 + (seed % 12) })));
      const fast = fastBattleLog(raw);
      expect(fast).toBeDefined();
      expect(JSON.stringify(fast)).toBe(JSON.stringify(battleLogSchema.parse(raw)));
    }
  });

  it('is never looser than the schema: whatever it accepts, the schema accepts as the same log', () => {
    const base = JSON.parse(JSON.stringify(simulateBattle({ seed: 77, players: 3, enemies: 3 })));
    const all = paths(base).filter((p) => p.length > 0);
    fc.assert(
      fc.property(fc.nat(), weird, fc.boolean(), (pick, value, addKey) => {
        const raw = structuredClone(base);
        const path = all[pick % all.length]!;
        if (addKey && typeof value !== 'undefined') {
          const parent = path.slice(0, -1);
          setAt(raw, [...parent, 'extra'], value);
        } else {
          setAt(raw, path, value);
        }
        const fast = fastBattleLog(raw);
        const schema = battleLogSchema.safeParse(raw);
        if (fast !== undefined) {
          expect(schema.success).toBe(true);
          expect(JSON.stringify(fast)).toBe(JSON.stringify(schema.data));
        }
      }),
      { numRuns: 1500 },
    );
  });
});
