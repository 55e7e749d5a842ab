/** The detail-type of the event a settled (or duplicate) battle is announced with. */
export const BATTLE_SETTLED = 'Battle Settled';

import type { SettlementDocument } from './settlement.ts';

/** The `Battle Settled` event's detail: ids, outcome and totals, never the log. The leaderboard consumes it. */
export interface BattleSettledDetail {
  readonly pipeline: 'settlement';
  readonly battleId: string;
  readonly status: SettlementDocument['status'];
  readonly winner: SettlementDocument['winner'];
  readonly rulesetVersion: string;
  readonly season: string;
  readonly inputHash: string;
  readonly input: { readonly bucket: string; readonly key: string };
  readonly resultKey: string;
  /** Per player: xp this battle granted and the ledger's xp total right after the grant. */
  readonly players: readonly { readonly playerId: string; readonly xp: number; readonly xpTotal: number }[];
}

export function battleSettledDetail(document: SettlementDocument, input: { bucket: string; key: string }, resultKey: string): BattleSettledDetail {
  return {
    pipeline: 'settlement',
    battleId: document.battleId,
    status: document.status,
    winner: document.winner,
    rulesetVersion: document.rulesetVersion,
    season: document.season,
    inputHash: document.inputHash,
    input: { bucket: input.bucket, key: input.key },
    resultKey,
    players: document.players.map((p) => ({ playerId: p.playerId, xp: p.rewards.xp, xpTotal: p.ledger?.xp ?? 0 })),
  };
}
