import { describe, expect, it } from 'vitest';
import type { BattleLog } from '../../../functions/battle-settlement/battle-log.ts';
import { settleBattle } from '../../../functions/battle-settlement/core.ts';
import { BattleErrorCode, type RejectionReason } from '../../../functions/battle-settlement/errors.ts';
import { parseBattleLog } from '../../../functions/battle-settlement/parse-log.ts';
import { replayBattle } from '../../../functions/battle-settlement/replay.ts';
import { rulesetFor } from '../../../functions/battle-settlement/ruleset.ts';
import { copy, findLog, honest, reasonCodes, rejectionOf } from './helpers.ts';

const ruleset = rulesetFor('1')!;
/** A fair 2v3 fight the players win, with enough actions to tamper with. */
const victory = findLog((log) => log.claimed.result === 'victory' && log.actions.length >= 8);
/** A fight where one player dies while another fights on. */
const withDeath = findLog(
  (log) => {
    const { battle } = replayBattle(parseBattleLog(JSON.stringify(log)), ruleset);
    const dead = battle!.players.find((p) => p.diedAtMs !== undefined);
    return dead !== undefined && log.actions.some((a) => a.t > dead.diedAtMs! && a.actor !== dead.id);
  },
  { players: 3, enemies: 4, actions: 80 },
);

function reasonsOf(log: BattleLog, options?: Parameters<typeof settleBattle>[1]): RejectionReason[] {
  return rejectionOf(log, options).details.reasons as RejectionReason[];
}

/** Inserts an action after index `after`, keeping timestamps in order. */
function insertAfter(log: BattleLog, after: number, action: BattleLog['actions'][number]): BattleLog {
  const tampered = copy(log);
  tampered.actions.splice(after + 1, 0, action);
  return tampered;
}

describe('replay rejections: each class with its code, path and action index', () => {
  it('settles the honest logs these tests tamper with', () => {
    expect(settleBattle(JSON.stringify(victory)).document.result).toBe('victory');
    expect(settleBattle(JSON.stringify(withDeath)).document.status).toBe('settled');
  });

  it('BATTLE_CHEAT_RESULT: a flipped result', () => {
    const tampered = copy(victory);
    tampered.claimed.result = 'defeat';
    const error = rejectionOf(tampered);
    expect(error.code).toBe(BattleErrorCode.BATTLE_CHEAT_RESULT);
    expect(error.name).toBe('PermanentError');
    expect(error.details.reasons).toEqual([{ code: 'BATTLE_CHEAT_RESULT', path: 'claimed.result', message: 'claimed defeat; the replay ends in victory' }]);
    expect(error.message).toContain(`Battle ${victory.battleId} rejected`);
  });

  it('BATTLE_CHEAT_DURATION: a claimed duration the replay does not reach', () => {
    const tampered = copy(victory);
    tampered.claimed.durationMs += 1;
    expect(reasonsOf(tampered)).toEqual([
      { code: 'BATTLE_CHEAT_DURATION', path: 'claimed.durationMs', message: `claimed ${victory.claimed.durationMs + 1} ms; the replay ends at ${victory.claimed.durationMs} ms` },
    ]);
  });

  it('BATTLE_CHEAT_COOLDOWN: a skill used again 1 ms after itself', () => {
    const first = victory.actions[0]!;
    const reasons = reasonsOf(insertAfter(victory, 0, { ...first, t: first.t + 1 }));
    expect(reasons.map((r) => [r.code, r.actionIndex])).toEqual([['BATTLE_CHEAT_COOLDOWN', 1]]);
    expect(reasons[0]!.message).toMatch(/used 1 ms after its last use; its cooldown is \d+ ms/);
  });

  it('BATTLE_CHEAT_ACTOR: unknown, an enemy, and dead actors', () => {
    const a = victory.actions[0]!;
    expect(reasonsOf(insertAfter(victory, 0, { ...a, actor: 'ghost' }))).toMatchObject([{ code: 'BATTLE_CHEAT_ACTOR', path: 'actions[1].actor', actionIndex: 1, message: "actor 'ghost' is not in the battle" }]);
    expect(reasonsOf(insertAfter(victory, 0, { ...a, actor: 'e1' }))).toMatchObject([{ code: 'BATTLE_CHEAT_ACTOR', message: "actor 'e1' is an enemy; enemies act by the ruleset" }]);
    const { battle } = replayBattle(parseBattleLog(JSON.stringify(withDeath)), ruleset);
    const dead = battle!.players.find((p) => p.diedAtMs !== undefined)!;
    const after = withDeath.actions.findIndex((x) => x.t > dead.diedAtMs!);
    const skill = dead.hero.skills.find((s) => ruleset.skills.get(s)!.targeting === 'self')!;
    const tampered = copy(withDeath);
    tampered.actions.splice(after, 0, { t: tampered.actions[after]!.t, actor: dead.id, skill });
    expect(reasonsOf(tampered)).toMatchObject([{ code: 'BATTLE_CHEAT_ACTOR', actionIndex: after, message: `actor '${dead.id}' is dead at ${tampered.actions[after]!.t} ms` }]);
  });

  it('BATTLE_CHEAT_TARGET: unknown, a player, a dead enemy, missing, and someone else for a self skill', () => {
    const i = victory.actions.findIndex((a) => a.target !== undefined && ruleset.skills.get(a.skill)!.targeting === 'enemy');
    const withTarget = (target: string | undefined) => {
      const tampered = copy(victory);
      if (target === undefined) delete tampered.actions[i]!.target;
      else tampered.actions[i]!.target = target;
      return reasonsOf(tampered).filter((r) => r.actionIndex === i);
    };
    expect(withTarget('nobody')).toMatchObject([{ code: 'BATTLE_CHEAT_TARGET', path: `actions[${i}].target`, message: "target 'nobody' is not in the battle" }]);
    expect(withTarget('p1')[0]!.message).toMatch(/targets enemies, and 'p1' is a player/);
    expect(withTarget(undefined)[0]!.message).toMatch(/needs a target/);
    // The first enemy to die, aimed at after its death.
    const { document } = settleBattle(JSON.stringify(victory));
    const firstDead = [...document.enemies].sort((x, y) => x.killedAtMs! - y.killedAtMs!)[0]!;
    const later = victory.actions.findIndex((a) => a.t > firstDead.killedAtMs! && a.target !== undefined && a.target !== firstDead.unitId);
    const tampered = copy(victory);
    tampered.actions[later]!.target = firstDead.unitId;
    expect(reasonsOf(tampered).find((r) => r.actionIndex === later)).toMatchObject({ code: 'BATTLE_CHEAT_TARGET', message: `target '${firstDead.unitId}' is dead at ${victory.actions[later]!.t} ms` });
    // A self skill aimed at someone else.
    const heal = ruleset.heroes.get(victory.players[0]!.heroId)!.skills.find((s) => ruleset.skills.get(s)!.targeting === 'self')!;
    const selfTampered = insertAfter(victory, 0, { t: victory.actions[0]!.t, actor: 'p1', skill: heal, target: 'p2' });
    expect(reasonsOf(selfTampered).find((r) => r.actionIndex === 1)).toMatchObject({ code: 'BATTLE_CHEAT_TARGET', message: `skill '${heal}' targets its user, not 'p2'` });
  });

  it("BATTLE_CHEAT_SKILL: a skill the ruleset does not know, and another hero's skill", () => {
    const a = victory.actions[0]!;
    expect(reasonsOf(insertAfter(victory, 0, { ...a, skill: 'meteor' }))).toMatchObject([{ code: 'BATTLE_CHEAT_SKILL', path: 'actions[1].skill', message: "skill 'meteor' is not in ruleset 1" }]);
    const hero = victory.players.find((p) => p.playerId === a.actor)!.heroId;
    const foreign = [...ruleset.skills.keys()].find((s) => !ruleset.heroes.get(hero)!.skillSet.has(s))!;
    expect(reasonsOf(insertAfter(victory, 0, { ...a, skill: foreign }))).toMatchObject([{ code: 'BATTLE_CHEAT_SKILL', message: `skill '${foreign}' is not a skill of hero '${hero}'` }]);
  });

  it('BATTLE_CHEAT_TIMESTAMP: backwards, negative, beyond the claimed duration, after the end', () => {
    const backwards = copy(victory);
    backwards.actions[3]!.t = backwards.actions[2]!.t - 1;
    expect(reasonsOf(backwards).filter((r) => r.actionIndex === 3)).toMatchObject([{ code: 'BATTLE_CHEAT_TIMESTAMP', path: 'actions[3].t', message: `t ${victory.actions[2]!.t - 1} goes back from ${victory.actions[2]!.t} ms` }]);
    const negative = copy(victory);
    negative.actions[0]!.t = -5;
    expect(reasonsOf(negative).find((r) => r.actionIndex === 0)).toMatchObject({ code: 'BATTLE_CHEAT_TIMESTAMP', message: `t -5 is outside 0..${victory.claimed.durationMs} (the claimed duration)` });
    const last = victory.actions.at(-1)!;
    const beyond = insertAfter(victory, victory.actions.length - 1, { ...last, t: victory.claimed.durationMs + 1 });
    expect(reasonsOf(beyond)).toMatchObject([{ code: 'BATTLE_CHEAT_TIMESTAMP', actionIndex: victory.actions.length }]);
    const afterEnd = insertAfter(victory, victory.actions.length - 1, { ...last, t: victory.claimed.durationMs });
    expect(reasonsOf(afterEnd)).toMatchObject([{ code: 'BATTLE_CHEAT_TIMESTAMP', message: expect.stringContaining('comes after the battle ended (victory') }]);
  });

  it('BATTLE_CHEAT_RATE: a fourth action within a second', () => {
    // An archer can fire arrow, volley and second-wind at once, and arrow again 500 ms later: 4 in a second, 1 over the ruleset's 3.
    const log: BattleLog = {
      battleId: 'b-rate',
      rulesetVersion: '1',
      seed: 9,
      players: [{ playerId: 'p1', heroId: 'archer', level: 30 }],
      enemies: [{ unitId: 'e1', kind: 'troll', level: 40 }],
      actions: [
        { t: 0, actor: 'p1', skill: 'arrow', target: 'e1' },
        { t: 0, actor: 'p1', skill: 'volley' },
        { t: 0, actor: 'p1', skill: 'second-wind' },
        { t: 500, actor: 'p1', skill: 'arrow', target: 'e1' },
      ],
      claimed: { result: 'defeat', durationMs: 600_000 },
    };
    const reasons = reasonsOf(log);
    expect(reasons[0]).toEqual({ code: 'BATTLE_CHEAT_RATE', path: 'actions[3].t', actionIndex: 3, message: "'p1' makes more than 3 actions within 1000 ms" });
  });

  it('BATTLE_CHEAT_LOADOUT: unknown hero, level out of range, over the entitlement, too many players', () => {
    const tampered = copy(victory);
    tampered.players[0]!.heroId = 'paladin';
    tampered.players[1]!.level = 31;
    expect(reasonsOf(tampered)).toEqual([
      { code: 'BATTLE_CHEAT_LOADOUT', path: 'players[0].heroId', message: "hero 'paladin' is not in ruleset 1" },
      { code: 'BATTLE_CHEAT_LOADOUT', path: 'players[1].level', message: `level 31 is outside ${victory.players[1]!.heroId}'s 1..30` },
    ]);
    const { heroId, level, playerId } = victory.players[0]!;
    const owned = { heroes: { [heroId]: level - 1 } };
    expect(reasonsOf(victory, { entitlements: (id) => (id === playerId ? owned : undefined) })).toEqual([
      { code: 'BATTLE_CHEAT_LOADOUT', path: 'players[0].level', message: `'${playerId}' may field ${heroId} up to level ${level - 1}, not ${level}` },
    ]);
    expect(reasonsOf(victory, { entitlements: () => ({ heroes: {} }) })[0]).toMatchObject({ path: 'players[0].heroId', message: `'${playerId}' does not own hero '${heroId}'` });
    expect(settleBattle(JSON.stringify(victory), { entitlements: () => ({ heroes: { [heroId]: 30, [victory.players[1]!.heroId]: 30 } }) }).document.status).toBe('settled');
    const crowd = copy(victory);
    crowd.players = Array.from({ length: 7 }, (_, i) => ({ playerId: `q${i}`, heroId: 'knight', level: 1 }));
    expect(reasonsOf(crowd)[0]).toEqual({ code: 'BATTLE_CHEAT_LOADOUT', path: 'players', message: '7 players; ruleset 1 allows 6' });
  });

  it('BATTLE_CHEAT_ENCOUNTER: unknown kind, level out of range, too many enemies', () => {
    const tampered = copy(victory);
    tampered.enemies[0]!.kind = 'dragon';
    tampered.enemies[1]!.level = 0;
    expect(reasonsOf(tampered).map((r) => [r.code, r.path])).toEqual([
      ['BATTLE_CHEAT_ENCOUNTER', 'enemies[0].kind'],
      ['BATTLE_CHEAT_ENCOUNTER', 'enemies[1].level'],
    ]);
    const horde = copy(victory);
    horde.enemies = Array.from({ length: 13 }, (_, i) => ({ unitId: `x${i}`, kind: 'wolf', level: 1 }));
    expect(reasonsOf(horde)[0]).toMatchObject({ path: 'enemies', message: '13 enemies; ruleset 1 allows 12' });
  });

  it('lists every reason, in replay order, with the first as the error code', () => {
    const tampered = copy(victory);
    tampered.actions[1]!.actor = 'ghost';
    tampered.actions[2]!.skill = 'meteor';
    const error = rejectionOf(tampered);
    // Without the two skipped actions the players no longer win in time: the knock-on reasons are listed too.
    expect(reasonCodes(error)).toEqual(['BATTLE_CHEAT_ACTOR', 'BATTLE_CHEAT_SKILL', 'BATTLE_CHEAT_RESULT', 'BATTLE_CHEAT_DURATION']);
    expect(error.code).toBe('BATTLE_CHEAT_ACTOR');
    expect(error.message).toMatch(/\(and \d+ more reasons?\)$/);
  });

  it('BATTLE_RULESET_UNKNOWN names the version and the known ones', () => {
    const tampered = copy(victory);
    tampered.rulesetVersion = '99';
    const error = rejectionOf(tampered);
    expect(error.code).toBe('BATTLE_RULESET_UNKNOWN');
    expect(error.details).toMatchObject({ path: 'rulesetVersion', rulesetVersion: '99', known: ['1'] });
  });

  it('a defeat grants nothing; a victory grants every player xp and gold and the killers their drops', () => {
    const { document, grants } = settleBattle(JSON.stringify(victory));
    const xp = victory.enemies.reduce((sum, e) => {
      const rule = ruleset.enemies.get(e.kind)!;
      return sum + rule.xp.base + rule.xp.perLevel * (e.level - 1);
    }, 0);
    expect(grants.map((g) => g.xp)).toEqual(victory.players.map(() => xp));
    expect(document.enemies.every((e) => victory.players.some((p) => p.playerId === e.killedBy))).toBe(true);
    const defeat = findLog((log) => log.claimed.result === 'defeat', { players: 1, enemies: 2 });
    expect(settleBattle(JSON.stringify(defeat)).grants.every((g) => g.xp === 0 && g.gold === 0 && Object.keys(g.items).length === 0)).toBe(true);
    expect(honest({ seed: 1 })).toEqual(honest({ seed: 1 }));
  });
});
