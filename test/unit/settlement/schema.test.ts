import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../../functions/battle-settlement/canonical-json.ts';
import { settleBattle } from '../../../functions/battle-settlement/core.ts';
import { canonicalBattleLog } from '../../../functions/battle-settlement/log-hash.ts';
import { parseBattleLog } from '../../../functions/battle-settlement/parse-log.ts';
import { compileRuleset, RULESETS } from '../../../functions/battle-settlement/ruleset.ts';
import ruleset1 from '../../../functions/battle-settlement/rulesets/1.json' with { type: 'json' };
import { copy, honest, rejectionOf } from './helpers.ts';

const log = honest({ seed: 21 });
const text = JSON.stringify(log);

describe('battle log: limits before parsing, schema errors naming the field path', () => {
  it('BATTLE_TOO_LARGE on bytes, before JSON.parse sees them', () => {
    const error = rejectionOf(`${text}${' '.repeat(200)}`, { limits: { maxBytes: text.length + 100, maxActions: 100 } });
    expect(error.code).toBe('BATTLE_TOO_LARGE');
    expect(error.details).toEqual({ bytes: text.length + 200, maxBytes: text.length + 100 });
    // Not JSON at all, yet too large wins: the size check comes first.
    expect(rejectionOf('x'.repeat(50), { limits: { maxBytes: 10, maxActions: 100 } }).code).toBe('BATTLE_TOO_LARGE');
  });

  it('BATTLE_TOO_LARGE on the action count, before schema validation', () => {
    const tampered = copy(log) as unknown as { actions: unknown[] };
    tampered.actions = Array.from({ length: 6 }, () => 'not even an action');
    const error = rejectionOf(JSON.stringify(tampered), { limits: { maxBytes: 1 << 20, maxActions: 5 } });
    expect(error.code).toBe('BATTLE_TOO_LARGE');
    expect(error.details).toEqual({ path: 'actions', actions: 6, maxActions: 5 });
  });

  it('BATTLE_MALFORMED for text that is not JSON, or bytes that are not UTF-8', () => {
    expect(rejectionOf('{"battleId": ').code).toBe('BATTLE_MALFORMED');
    const error = (() => {
      try {
        settleBattle(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]));
      } catch (e) {
        return e as { code: string };
      }
      return undefined;
    })();
    expect(error?.code).toBe('BATTLE_MALFORMED');
  });

  it.each([
    ['a string timestamp', (l: any) => (l.actions[3].t = '1200'), 'actions[3].t'],
    ['a fractional timestamp', (l: any) => (l.actions[2].t = 12.5), 'actions[2].t'],
    ['a missing claimed result', (l: any) => delete l.claimed.result, 'claimed.result'],
    ['an unknown result', (l: any) => (l.claimed.result = 'draw'), 'claimed.result'],
    ['an unknown field', (l: any) => (l.actions[1].damage = 9999), 'actions[1].damage'],
    ['a seed over 32 bits', (l: any) => (l.seed = 2 ** 32), 'seed'],
    ['an id with a slash', (l: any) => (l.battleId = '../etc'), 'battleId'],
    ['no players', (l: any) => (l.players = []), 'players'],
    ['a duplicate unit id', (l: any) => (l.enemies[1].unitId = 'p1'), 'enemies[1].unitId'],
    ['not an object', (l: any) => Object.assign(l, { actions: 'many' }), 'actions'],
  ])('BATTLE_SCHEMA_INVALID names the path: %s', (_, tamper, path) => {
    const tampered = copy(log);
    tamper(tampered);
    const error = rejectionOf(tampered);
    expect(error.code).toBe('BATTLE_SCHEMA_INVALID');
    expect(error.details.path).toBe(path);
    expect(error.message).toContain(`Battle log field ${path}:`);
  });

  it('lists every schema issue (up to 20), each with its path', () => {
    const tampered = copy(log) as any;
    tampered.actions[0].t = 'a';
    tampered.players[0].level = 'b';
    const error = rejectionOf(tampered);
    expect((error.details.issues as { path: string }[]).map((i) => i.path)).toEqual(['actions[0].t', 'players[0].level']);
    expect(error.message).toMatch(/\(and 1 more issue\)$/);
  });

  it('the shape-aware canonical log equals the generic canonical JSON, and formatting does not change the input hash', () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const l = honest({ seed, players: 3, enemies: 4 });
      // Keys in reverse order on the way in: the parsed log's own order must be the sorted one.
      const reversed = JSON.stringify(l, (_, v) => (v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).reverse()) : v));
      expect(canonicalBattleLog(parseBattleLog(reversed))).toBe(canonicalJson(l));
    }
    const a = settleBattle(text).inputHash;
    const reordered = JSON.stringify({ claimed: log.claimed, actions: log.actions, enemies: log.enemies, players: log.players, seed: log.seed, rulesetVersion: log.rulesetVersion, battleId: log.battleId }, null, 3);
    expect(settleBattle(reordered).inputHash).toBe(a);
    expect(a).toMatch(/^[0-9a-f]{64}$/);
  });

  it('canonicalJson sorts keys, and refuses floats and non-JSON values', () => {
    expect(canonicalJson({ b: 1, a: [true, null, 'x'], c: { z: 0, y: undefined } })).toBe('{"a":[true,null,"x"],"b":1,"c":{"z":0}}');
    expect(() => canonicalJson({ a: 0.5 })).toThrow(/not a safe integer/);
    expect(() => canonicalJson(() => 1)).toThrow(/cannot serialize a function/);
  });

  it('rulesets are validated data with a sha256 of their canonical JSON', () => {
    const r = RULESETS.get('1')!;
    expect(r.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(compileRuleset(structuredClone(ruleset1)).hash).toBe(r.hash);
    const changed = structuredClone(ruleset1);
    changed.critMultiplierBp += 1;
    expect(compileRuleset(changed).hash).not.toBe(r.hash);
    const tooFast = structuredClone(ruleset1);
    tooFast.skills.arrow.cooldownMs = 499;
    expect(() => compileRuleset(tooFast)).toThrow(/skills\.arrow\.cooldownMs/);
    const broken = structuredClone(ruleset1);
    broken.heroes.knight.skills.push('teleport');
    expect(() => compileRuleset(broken)).toThrow(/hero 'knight' has unknown skill 'teleport'/);
  });
});
