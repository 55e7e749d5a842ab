import type { BattleLog, BattleResult } from './battle-log.ts';
import type { Battle, BattleOutcome } from './battle.ts';
import { canonicalJson } from './canonical-json.ts';
import type { Ruleset } from './ruleset.ts';

/** Item id → count. Serialized with sorted keys, like every object in the document. */
export type ItemCounts = Readonly<Record<string, number>>;

export interface Rewards {
  readonly xp: number;
  readonly gold: number;
  readonly items: ItemCounts;
}

/** A player's ledger after this battle's grant: filled in by the handler from its transaction. */
export interface LedgerBalance {
  readonly xp: number;
  readonly gold: number;
  readonly items: ItemCounts;
}

/** What one player's ledger item gains: the handler applies every grant of a battle in one transaction. */
export interface PlayerGrant extends Rewards {
  readonly playerId: string;
}

export interface PlayerSettlement {
  readonly playerId: string;
  readonly heroId: string;
  readonly level: number;
  readonly survived: boolean;
  readonly damageDealt: number;
  readonly kills: number;
  readonly rewards: Rewards;
  /** null until the handler has applied the grant; then the balance right after it. */
  readonly ledger: LedgerBalance | null;
}

export interface EnemySettlement {
  readonly unitId: string;
  readonly kind: string;
  readonly level: number;
  /** The player who landed the killing blow, or null if it survived. */
  readonly killedBy: string | null;
  readonly killedAtMs: number | null;
}

/** The settlement JSON (`settlement/<rel>/settlement.json`, the item's `result` in `media-kit run`). */
export interface SettlementDocument {
  readonly battleId: string;
  /** `settled` from the core; the handler answers a redelivered battle with `duplicate`. */
  readonly status: 'settled' | 'duplicate';
  readonly result: BattleResult;
  readonly winner: 'players' | 'enemies';
  /** The replayed duration (equal to the claimed one, or the battle would have been rejected). */
  readonly durationMs: number;
  readonly rulesetVersion: string;
  readonly rulesetHash: string;
  /** The leaderboard season the ruleset belongs to. */
  readonly season: string;
  /** sha256 (hex) of the log's canonical JSON: a redelivery has the same one, a conflicting reuse of the battleId does not. */
  readonly inputHash: string;
  readonly players: readonly PlayerSettlement[];
  readonly enemies: readonly EnemySettlement[];
}

/**
 * Rewards go to the winners only: on victory every player gains each enemy's xp and gold (by
 * kind and level), and each kill's drops go to its killer. A defeat grants nothing.
 */
export function buildSettlement(log: BattleLog, battle: Battle, outcome: BattleOutcome, ruleset: Ruleset, inputHash: string): SettlementDocument {
  const victory = outcome.result === 'victory';
  let xp = 0;
  let gold = 0;
  const drops = new Map<string, Map<string, number>>();
  if (victory) {
    for (const enemy of battle.enemies) {
      const steps = enemy.level - 1;
      xp += enemy.rule.xp.base + enemy.rule.xp.perLevel * steps;
      gold += enemy.rule.gold.base + enemy.rule.gold.perLevel * steps;
      const mine = drops.get(enemy.killedBy!) ?? new Map<string, number>();
      for (const item of enemy.drops) mine.set(item, (mine.get(item) ?? 0) + 1);
      drops.set(enemy.killedBy!, mine);
    }
  }
  return {
    battleId: log.battleId,
    status: 'settled',
    result: outcome.result,
    winner: victory ? 'players' : 'enemies',
    durationMs: outcome.durationMs,
    rulesetVersion: ruleset.version,
    rulesetHash: ruleset.hash,
    season: ruleset.data.season,
    inputHash,
    players: battle.players.map((p) => ({
      playerId: p.id,
      heroId: p.heroId,
      level: p.level,
      survived: p.hp > 0,
      damageDealt: p.damageDealt,
      kills: p.kills,
      rewards: victory ? { xp, gold, items: Object.fromEntries(drops.get(p.id) ?? []) } : { xp: 0, gold: 0, items: {} },
      ledger: null,
    })),
    enemies: battle.enemies.map((e) => ({ unitId: e.id, kind: e.kind, level: e.level, killedBy: e.killedBy ?? null, killedAtMs: e.killedAtMs ?? null })),
  };
}

/** One grant per player (zero on defeat, so the transaction can still record the battle on each ledger). */
export function grantsOf(document: SettlementDocument): PlayerGrant[] {
  return document.players.map((p) => ({ playerId: p.playerId, ...p.rewards }));
}

/** The document with each player's ledger balance after the grant, as the handler's transaction returned it. */
export function withLedgerBalances(document: SettlementDocument, balances: ReadonlyMap<string, LedgerBalance>): SettlementDocument {
  return {
    ...document,
    players: document.players.map((p) => {
      const ledger = balances.get(p.playerId);
      if (ledger === undefined) throw new Error(`No ledger balance for player '${p.playerId}' of battle ${document.battleId}`);
      return { ...p, ledger };
    }),
  };
}

/** The stored settlement, answered again for a redelivered log (same input hash). */
export function asDuplicate(document: SettlementDocument): SettlementDocument {
  return { ...document, status: 'duplicate' };
}

/** Canonical bytes of the document: the same log gives the same bytes on any engine. */
export function serializeSettlement(document: SettlementDocument): string {
  return canonicalJson(document);
}
