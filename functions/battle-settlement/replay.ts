import type { BattleLog } from './battle-log.ts';
import { Battle, type BattleOutcome } from './battle.ts';
import { BattleErrorCode, type RejectionReason } from './errors.ts';
import type { Ruleset } from './ruleset.ts';
import { type EntitlementLookup, setupReasons } from './setup-check.ts';

export interface ReplayResult {
  /** Every reason to reject, in replay order; empty when the log is honest. */
  readonly reasons: readonly RejectionReason[];
  /** The replayed battle (absent when the setup itself was invalid and nothing could be replayed). */
  readonly battle?: Battle;
  readonly outcome?: BattleOutcome;
}

/**
 * Recomputes the battle from its log and lists every reason to reject it. An action that breaks
 * a rule is reported and skipped (it has no effect), and the replay goes on, so one log yields
 * all of its problems at once — including the knock-on ones, such as a claimed result the honest
 * part of the log does not reach.
 */
export function replayBattle(log: BattleLog, ruleset: Ruleset, entitlements?: EntitlementLookup): ReplayResult {
  const setup = setupReasons(log, ruleset, entitlements);
  if (setup.length > 0) return { reasons: setup };
  const battle = new Battle(log, ruleset);
  const reasons: RejectionReason[] = [];
  const claimedDuration = log.claimed.durationMs;
  let lastT = 0;
  for (let i = 0; i < log.actions.length; i++) {
    const action = log.actions[i]!;
    const t = action.t;
    if (t < 0 || t > claimedDuration) {
      reasons.push(timestampReason(i, `t ${t} is outside 0..${claimedDuration} (the claimed duration)`));
      continue;
    }
    if (t < lastT) {
      reasons.push(timestampReason(i, `t ${t} goes back from ${lastT} ms`));
      continue;
    }
    lastT = t;
    if (battle.outcome === undefined) battle.advanceTo(t);
    if (battle.outcome !== undefined) {
      reasons.push(timestampReason(i, `t ${t} comes after the battle ended (${battle.outcome.result} at ${battle.outcome.durationMs} ms)`));
      continue;
    }
    if (battle.check(action, i, reasons)) battle.apply(action);
  }
  const outcome = battle.finish();
  if (outcome.result !== log.claimed.result) {
    reasons.push({ code: BattleErrorCode.BATTLE_CHEAT_RESULT, path: 'claimed.result', message: `claimed ${log.claimed.result}; the replay ends in ${outcome.result}` });
  }
  if (outcome.durationMs !== claimedDuration) {
    reasons.push({
      code: BattleErrorCode.BATTLE_CHEAT_DURATION,
      path: 'claimed.durationMs',
      message: `claimed ${claimedDuration} ms; the replay ends at ${outcome.durationMs} ms`,
    });
  }
  return { reasons, battle, outcome };
}

function timestampReason(index: number, message: string): RejectionReason {
  return { code: BattleErrorCode.BATTLE_CHEAT_TIMESTAMP, path: `actions[${index}].t`, actionIndex: index, message };
}
