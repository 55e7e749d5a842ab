import type { BattleLog } from './battle-log.ts';
import { BattleErrorCode, type RejectionReason } from './errors.ts';
import type { Ruleset } from './ruleset.ts';

/** What a player may field: the highest level of each hero they own. A hero missing here is not owned. */
export interface PlayerEntitlement {
  readonly heroes: Readonly<Record<string, number>>;
}

/**
 * Who owns what is not in the log: the handler looks it up (profile, ledger) and passes it in.
 * Without it, the ruleset's own limits (known hero, 1..maxLevel) are all a log is held to.
 */
export type EntitlementLookup = (playerId: string) => PlayerEntitlement | undefined;

/** Every reason the battle's setup (players' loadouts, the encounter) is not one the ruleset allows. */
export function setupReasons(log: BattleLog, ruleset: Ruleset, entitlements?: EntitlementLookup): RejectionReason[] {
  const reasons: RejectionReason[] = [];
  const { maxPlayers, maxEnemies } = ruleset.data;
  if (log.players.length > maxPlayers) {
    reasons.push({ code: BattleErrorCode.BATTLE_CHEAT_LOADOUT, path: 'players', message: `${log.players.length} players; ruleset ${ruleset.version} allows ${maxPlayers}` });
  }
  log.players.forEach((player, i) => {
    const hero = ruleset.heroes.get(player.heroId);
    const loadout = (path: string, message: string) => reasons.push({ code: BattleErrorCode.BATTLE_CHEAT_LOADOUT, path: `players[${i}].${path}`, message });
    if (hero === undefined) {
      loadout('heroId', `hero '${player.heroId}' is not in ruleset ${ruleset.version}`);
      return;
    }
    if (player.level < 1 || player.level > hero.maxLevel) {
      loadout('level', `level ${player.level} is outside ${player.heroId}'s 1..${hero.maxLevel}`);
      return;
    }
    const owned = entitlements?.(player.playerId);
    if (owned === undefined) return;
    const ownedLevel = Object.hasOwn(owned.heroes, player.heroId) ? owned.heroes[player.heroId] : undefined;
    if (ownedLevel === undefined) loadout('heroId', `'${player.playerId}' does not own hero '${player.heroId}'`);
    else if (player.level > ownedLevel) loadout('level', `'${player.playerId}' may field ${player.heroId} up to level ${ownedLevel}, not ${player.level}`);
  });
  if (log.enemies.length > maxEnemies) {
    reasons.push({ code: BattleErrorCode.BATTLE_CHEAT_ENCOUNTER, path: 'enemies', message: `${log.enemies.length} enemies; ruleset ${ruleset.version} allows ${maxEnemies}` });
  }
  log.enemies.forEach((enemy, i) => {
    const rule = ruleset.enemies.get(enemy.kind);
    if (rule === undefined) {
      reasons.push({ code: BattleErrorCode.BATTLE_CHEAT_ENCOUNTER, path: `enemies[${i}].kind`, message: `enemy kind '${enemy.kind}' is not in ruleset ${ruleset.version}` });
    } else if (enemy.level < 1 || enemy.level > rule.maxLevel) {
      reasons.push({ code: BattleErrorCode.BATTLE_CHEAT_ENCOUNTER, path: `enemies[${i}].level`, message: `level ${enemy.level} is outside ${enemy.kind}'s 1..${rule.maxLevel}` });
    }
  });
  return reasons;
}
