import { type BattleLog, type BattleLogLimits, DEFAULT_LIMITS } from './battle-log.ts';
import { battleLogHash } from './log-hash.ts';
import { BattleErrorCode, battleError, rejection } from './errors.ts';
import { parseBattleLog } from './parse-log.ts';
import { replayBattle } from './replay.ts';
import { RULESETS, type Ruleset } from './ruleset.ts';
import { buildSettlement, grantsOf, type PlayerGrant, type SettlementDocument } from './settlement.ts';
import type { EntitlementLookup } from './setup-check.ts';

/**
 * The settlement pipeline's pure core: battle-log bytes in, a settlement out — or a BattleError
 * (permanent: malformed, schema, too large, unknown ruleset, or a rejected replay listing every
 * reason). No AWS, no clock, no floats, no Math.random: the same bytes give the same document on
 * any engine. The handler adds what needs the outside world: the exactly-once transaction over
 * the settlement record and each player's ledger (`grants`), the ledger balances it returns
 * (withLedgerBalances), and `duplicate` for a redelivery with the same `inputHash`.
 */

export interface SettleOptions {
  readonly limits?: BattleLogLimits;
  /** What each player may field; without it a log is held to the ruleset's limits only. */
  readonly entitlements?: EntitlementLookup;
  /** Rulesets by version (default: every ruleset this build ships). */
  readonly rulesets?: ReadonlyMap<string, Ruleset>;
}

export interface Settlement {
  readonly document: SettlementDocument;
  /** Per-player xp, gold and items to apply in the handler's single transaction. */
  readonly grants: readonly PlayerGrant[];
  /** sha256 (hex) of the log's canonical JSON: the idempotency fingerprint of this battleId. */
  readonly inputHash: string;
  readonly log: BattleLog;
}

export function settleBattle(input: Uint8Array | string, options: SettleOptions = {}): Settlement {
  const log = parseBattleLog(input, options.limits ?? DEFAULT_LIMITS);
  const rulesets = options.rulesets ?? RULESETS;
  const ruleset = rulesets.get(log.rulesetVersion);
  if (ruleset === undefined) {
    const known = [...rulesets.keys()];
    throw battleError(BattleErrorCode.BATTLE_RULESET_UNKNOWN, `Battle ${log.battleId} names ruleset '${log.rulesetVersion}'; known: ${known.join(', ')}`, {
      path: 'rulesetVersion',
      rulesetVersion: log.rulesetVersion,
      known,
    });
  }
  const replay = replayBattle(log, ruleset, options.entitlements);
  if (replay.reasons.length > 0) throw rejection(log.battleId, replay.reasons);
  const inputHash = battleLogHash(log);
  const document = buildSettlement(log, replay.battle!, replay.outcome!, ruleset, inputHash);
  return { document, grants: grantsOf(document), inputHash, log };
}

export { BattleErrorCode, isBattleError, type BattleError, type RejectionReason } from './errors.ts';
export { asDuplicate, serializeSettlement, withLedgerBalances, type LedgerBalance, type PlayerGrant, type SettlementDocument } from './settlement.ts';
export type { BattleLog } from './battle-log.ts';
export { battleLogHash } from './log-hash.ts';
export type { EntitlementLookup, PlayerEntitlement } from './setup-check.ts';
