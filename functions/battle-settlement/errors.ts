import { PermanentError, SharedErrorCode } from '../shared/errors.ts';

/**
 * The settlement pipeline's stable error codes. Clients and the console match on these strings,
 * so never rename one; add new ones instead.
 */
export const BattleErrorCode = {
  /** The log is not JSON (or not UTF-8 text). */
  BATTLE_MALFORMED: 'BATTLE_MALFORMED',
  /** The log is JSON but violates the battle-log schema; the message names the field path. */
  BATTLE_SCHEMA_INVALID: 'BATTLE_SCHEMA_INVALID',
  /** The log is over the byte or action limit (checked before parsing or replay). */
  BATTLE_TOO_LARGE: 'BATTLE_TOO_LARGE',
  /** The log names a ruleset version this deployment does not know. */
  BATTLE_RULESET_UNKNOWN: 'BATTLE_RULESET_UNKNOWN',
  /** The replay's result contradicts the claimed one. */
  BATTLE_CHEAT_RESULT: 'BATTLE_CHEAT_RESULT',
  /** The replay's duration contradicts the claimed one. */
  BATTLE_CHEAT_DURATION: 'BATTLE_CHEAT_DURATION',
  /** A skill used again before its cooldown ran out. */
  BATTLE_CHEAT_COOLDOWN: 'BATTLE_CHEAT_COOLDOWN',
  /** An action by a unit that is dead, unknown, not in the battle, or not a player. */
  BATTLE_CHEAT_ACTOR: 'BATTLE_CHEAT_ACTOR',
  /** An action aimed at a unit that is dead, unknown, not in the battle, or the wrong kind of target. */
  BATTLE_CHEAT_TARGET: 'BATTLE_CHEAT_TARGET',
  /** A skill the ruleset does not know, or one the actor's hero does not have. */
  BATTLE_CHEAT_SKILL: 'BATTLE_CHEAT_SKILL',
  /** A timestamp that goes backwards, falls outside 0..durationMs, or comes after the battle ended. */
  BATTLE_CHEAT_TIMESTAMP: 'BATTLE_CHEAT_TIMESTAMP',
  /** More actions in a second than a player can make. */
  BATTLE_CHEAT_RATE: 'BATTLE_CHEAT_RATE',
  /** A hero or level the player may not field, or more players than the ruleset allows. */
  BATTLE_CHEAT_LOADOUT: 'BATTLE_CHEAT_LOADOUT',
  /** An enemy kind or level the ruleset does not have, or more enemies than it allows. */
  BATTLE_CHEAT_ENCOUNTER: 'BATTLE_CHEAT_ENCOUNTER',
  /** The battleId was already settled from a different log (another input hash): nothing is granted. */
  BATTLE_CONFLICT: 'BATTLE_CONFLICT',
  /** Settling took longer than the per-object time budget. */
  BATTLE_PROCESSING_TIMEOUT: 'BATTLE_PROCESSING_TIMEOUT',
} as const;

export type BattleErrorCode = (typeof BattleErrorCode)[keyof typeof BattleErrorCode];

/** One reason a replay rejects a battle; `actionIndex` points into `actions` when an action is at fault. */
export interface RejectionReason {
  readonly code: BattleErrorCode;
  readonly message: string;
  /** The field the reason concerns, e.g. `actions[3].target`, `players[0].level`, `claimed.result`. */
  readonly path: string;
  readonly actionIndex?: number;
}

/** Every code the settlement pipeline's failure records may carry: its contract's `errorCodes`. */
export const SETTLEMENT_ERROR_CODES: readonly string[] = [...Object.values(SharedErrorCode), ...Object.values(BattleErrorCode)];

/**
 * A battle that can never settle: the input's fault, so the shared worker writes a failure record
 * and does not retry (it is the kit's PermanentError with a BATTLE_ code, declared in the contract).
 */
export class BattleError extends PermanentError<BattleErrorCode> {}

export function battleError(code: BattleErrorCode, message: string, details: Record<string, unknown> = {}, cause?: unknown): BattleError {
  return new BattleError(code, message, details, cause === undefined ? undefined : { cause });
}

export function isBattleError(error: unknown): error is BattleError {
  return error instanceof BattleError;
}

/**
 * The error for a rejected replay: its code is the first reason's (reasons come in replay order,
 * so the first is usually the root cause), and its details list every reason.
 */
export function rejection(battleId: string, reasons: readonly RejectionReason[]): BattleError {
  const first = reasons[0]!;
  const more = reasons.length > 1 ? ` (and ${reasons.length - 1} more reason${reasons.length > 2 ? 's' : ''})` : '';
  return battleError(first.code, `Battle ${battleId} rejected: ${first.path}: ${first.message}${more}`, { battleId, reasons });
}
