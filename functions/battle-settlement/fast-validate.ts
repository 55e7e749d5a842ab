import { type BattleAction, type BattleLog, MAX_RULE_ID_LENGTH, MAX_RULESET_VERSION_LENGTH, MAX_UNITS_PER_SIDE, UNIT_ID_PATTERN } from './battle-log.ts';

/**
 * The honest log's fast path: a hand-written check of exactly the battle-log schema's rules that
 * answers only "certainly valid" (the log, rebuilt with its keys in sorted order, as zod would
 * return it) or "not sure" (undefined). On "not sure" the caller runs the zod schema, which
 * finds and names the problem — so this can only ever be stricter than the schema, never
 * looser; a property test holds the two outputs identical wherever this one accepts.
 * Why it exists: zod costs as much as all of the replay on a 100-action log.
 */
export function fastBattleLog(raw: unknown): BattleLog | undefined {
  if (!isPlainObject(raw) || !hasExactly(raw, 7)) return undefined;
  const { actions, battleId, claimed, enemies, players, rulesetVersion, seed } = raw as Record<string, unknown>;
  if (!isUnitId(battleId) || !isShortString(rulesetVersion, MAX_RULESET_VERSION_LENGTH)) return undefined;
  if (!Number.isSafeInteger(seed) || (seed as number) < 0 || (seed as number) > 0xffff_ffff) return undefined;
  if (!isPlainObject(claimed) || !hasExactly(claimed, 2)) return undefined;
  const { durationMs, result } = claimed as Record<string, unknown>;
  if (!Number.isSafeInteger(durationMs) || (durationMs as number) < 0 || (result !== 'victory' && result !== 'defeat')) return undefined;
  const outPlayers = units(players, 'heroId', 'playerId');
  const outEnemies = units(enemies, 'kind', 'unitId');
  if (outPlayers === undefined || outEnemies === undefined || !Array.isArray(actions)) return undefined;
  const outActions: BattleAction[] = new Array(actions.length);
  for (let i = 0; i < actions.length; i++) {
    const a = actions[i] as Record<string, unknown>;
    if (!isPlainObject(a)) return undefined;
    const { actor, skill, t, target } = a;
    const keys = target === undefined ? 3 : 4;
    if (!hasExactly(a, keys) || !isUnitId(actor) || !isShortString(skill, MAX_RULE_ID_LENGTH) || !Number.isSafeInteger(t)) return undefined;
    if (target === undefined) outActions[i] = { actor, skill, t: t as number };
    else if (isUnitId(target)) outActions[i] = { actor, skill, t: t as number, target };
    else return undefined;
  }
  return {
    actions: outActions,
    battleId,
    claimed: { durationMs: durationMs as number, result },
    enemies: outEnemies as BattleLog['enemies'],
    players: outPlayers as BattleLog['players'],
    rulesetVersion,
    seed: seed as number,
  };
}

/** Players or enemies: 1..64 objects of exactly {<rule>, level, <id>}, rebuilt in sorted key order. */
function units(value: unknown, rule: 'heroId' | 'kind', id: 'playerId' | 'unitId'): Record<string, unknown>[] | undefined {
  if (!Array.isArray(value) || value.length < 1 || value.length > MAX_UNITS_PER_SIDE) return undefined;
  const out: Record<string, unknown>[] = new Array(value.length);
  for (let i = 0; i < value.length; i++) {
    const u = value[i] as Record<string, unknown>;
    if (!isPlainObject(u) || !hasExactly(u, 3) || !isShortString(u[rule], MAX_RULE_ID_LENGTH) || !Number.isSafeInteger(u.level) || !isUnitId(u[id])) return undefined;
    // Keys in sorted order: heroId|kind < level < playerId|unitId.
    out[i] = { [rule]: u[rule], level: u.level, [id]: u[id] };
  }
  return out;
}

/** JSON.parse only makes plain objects; anything else is left to the schema. */
function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Exactly `n` own keys. Together with reading the expected keys by name, this proves there is no
 * unknown key: every expected key was read and found (undefined means a miss, and JSON has no
 * undefined), so the `n` keys are those.
 */
function hasExactly(value: Record<string, unknown>, n: number): boolean {
  let count = 0;
  for (const key in value) {
    if (!Object.hasOwn(value, key)) return false;
    count += 1;
  }
  return count === n;
}

function isUnitId(value: unknown): value is string {
  return typeof value === 'string' && UNIT_ID_PATTERN.test(value);
}

/** UTF-16 length within bounds: never looser than the schema's length check, whatever unit it counts. */
function isShortString(value: unknown, max: number): value is string {
  return typeof value === 'string' && value.length >= 1 && value.length <= max;
}
