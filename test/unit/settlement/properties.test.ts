import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { settleBattle } from '../../../functions/battle-settlement/core.ts';
import { isBattleError } from '../../../functions/battle-settlement/errors.ts';
import { rulesetFor } from '../../../functions/battle-settlement/ruleset.ts';
import { simulateBattle } from '../../../functions/battle-settlement/simulator.ts';
import { copy, reasonCodes, rejectionOf } from './helpers.ts';

const ruleset = rulesetFor('1')!;
const RUNS = { numRuns: 60 };

const simulation = fc.record({
  seed: fc.nat({ max: 0xffff_ffff }),
  players: fc.integer({ min: 1, max: ruleset.data.maxPlayers }),
  enemies: fc.integer({ min: 1, max: ruleset.data.maxEnemies }),
  actions: fc.integer({ min: 0, max: 120 }),
});
/** Simulated fights with at least two actions, so there is something to tamper with. */
const fight = simulation.map((options) => simulateBattle(options)).filter((log) => log.actions.length >= 2);

describe('properties', () => {
  it('a simulated fight always settles, and the settlement agrees with its claim', () => {
    fc.assert(
      fc.property(simulation, (options) => {
        const log = simulateBattle(options);
        const { document, grants } = settleBattle(JSON.stringify(log));
        expect([document.result, document.durationMs]).toEqual([log.claimed.result, log.claimed.durationMs]);
        expect(grants.map((g) => g.playerId)).toEqual(log.players.map((p) => p.playerId));
        expect(log.actions.length).toBeLessThanOrEqual(options.actions);
      }),
      RUNS,
    );
  });

  it('a flipped result is always caught', () => {
    fc.assert(
      fc.property(fight, (log) => {
        const tampered = copy(log);
        tampered.claimed.result = log.claimed.result === 'victory' ? 'defeat' : 'victory';
        expect(reasonCodes(rejectionOf(tampered))).toContain('BATTLE_CHEAT_RESULT');
      }),
      RUNS,
    );
  });

  it('a timestamp shifted back before its predecessor, or past the claimed end, is always caught at that action', () => {
    fc.assert(
      fc.property(fight, fc.nat(), fc.integer({ min: 1, max: 100_000 }), fc.boolean(), (log, pick, by, backwards) => {
        const tampered = copy(log);
        const i = backwards ? 1 + (pick % (log.actions.length - 1)) : pick % log.actions.length;
        tampered.actions[i]!.t = backwards ? log.actions[i - 1]!.t - by : log.claimed.durationMs + by;
        const reasons = rejectionOf(tampered).details.reasons as { code: string; actionIndex?: number }[];
        expect(reasons).toContainEqual(expect.objectContaining({ code: 'BATTLE_CHEAT_TIMESTAMP', actionIndex: i }));
      }),
      RUNS,
    );
  });

  it('a victory whose last action is shifted later is always caught', () => {
    fc.assert(
      fc.property(fight.filter((log) => log.claimed.result === 'victory'), fc.integer({ min: 1, max: 5000 }), (log, by) => {
        const tampered = copy(log);
        tampered.actions.at(-1)!.t += by;
        expect(() => settleBattle(JSON.stringify(tampered))).toThrow();
      }),
      RUNS,
    );
  });

  it('a target swapped to one that cannot be hit (an ally, an unknown unit, a dead enemy) is always caught at that action', () => {
    fc.assert(
      fc.property(fight, fc.nat(), fc.constantFrom('ally', 'unknown', 'dead'), (log, pick, kind) => {
        const { document } = settleBattle(JSON.stringify(log));
        const aimed = log.actions.flatMap((a, i) => (a.target !== undefined && ruleset.skills.get(a.skill)!.targeting === 'enemy' ? [i] : []));
        fc.pre(aimed.length > 0);
        const i = aimed[pick % aimed.length]!;
        const action = log.actions[i]!;
        let target: string;
        if (kind === 'ally') target = log.players[pick % log.players.length]!.playerId;
        else if (kind === 'unknown') target = `x${pick}`;
        else {
          const dead = document.enemies.find((e) => e.killedAtMs !== null && e.killedAtMs < action.t);
          fc.pre(dead !== undefined);
          target = dead!.unitId;
        }
        const tampered = copy(log);
        tampered.actions[i]!.target = target;
        const reasons = rejectionOf(tampered).details.reasons as { code: string; actionIndex?: number }[];
        expect(reasons).toContainEqual(expect.objectContaining({ code: 'BATTLE_CHEAT_TARGET', actionIndex: i }));
      }),
      RUNS,
    );
  });

  it('a raised level is always caught: over what the player owns, or over the hero’s max level', () => {
    fc.assert(
      fc.property(fight, fc.nat(), fc.integer({ min: 1, max: 40 }), (log, pick, by) => {
        const j = pick % log.players.length;
        const tampered = copy(log);
        tampered.players[j]!.level += by;
        // The server knows what each player owns: here, exactly the levels of the honest log.
        const owned = new Map(log.players.map((p) => [p.playerId, { heroes: { [p.heroId]: p.level } }]));
        expect(rejectionOf(tampered, { entitlements: (id) => owned.get(id) }).details.reasons).toContainEqual(expect.objectContaining({ code: 'BATTLE_CHEAT_LOADOUT', path: `players[${j}].level` }));
        tampered.players[j]!.level = ruleset.heroes.get(log.players[j]!.heroId)!.maxLevel + by;
        expect(reasonCodes(rejectionOf(tampered))).toEqual(['BATTLE_CHEAT_LOADOUT']);
      }),
      RUNS,
    );
  });

  it('any single field changed to anything: a BattleError, or a settlement that still agrees with the claim (never a crash, never a contradicted claim)', () => {
    const anyValue = fc.oneof(fc.integer({ min: -10, max: 2_000_000 }), fc.constantFrom('p1', 'p2', 'e1', 'e2', 'slash', 'fireball', 'mend', 'ghost', ''), fc.constant(null));
    fc.assert(
      fc.property(fight, fc.nat(), fc.constantFrom('t', 'actor', 'skill', 'target'), anyValue, (log, pick, field, value) => {
        const tampered = copy(log);
        (tampered.actions as unknown as Record<string, unknown>[])[pick % log.actions.length]![field] = value;
        try {
          const { document } = settleBattle(JSON.stringify(tampered));
          expect([document.result, document.durationMs]).toEqual([tampered.claimed.result, tampered.claimed.durationMs]);
        } catch (error) {
          if (!isBattleError(error)) throw error;
        }
      }),
      { numRuns: 150 },
    );
  });
});
