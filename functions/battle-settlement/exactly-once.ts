import { setTimeout as sleep } from 'node:timers/promises';
import type { Settlement } from './core.ts';
import { BattleErrorCode, battleError } from './errors.ts';
import type { LedgerBalance } from './settlement.ts';
import { grantTransaction, type SettlementStore, type TaskMark } from './settlement-store.ts';

/** How a battle's grant ended for this task, and the ledger balances its document shows. */
export interface GrantResult {
  readonly status: 'settled' | 'duplicate';
  readonly balances: ReadonlyMap<string, LedgerBalance>;
}

/** A grant that cannot finish yet (contention, or a token in flight): the queue retries it. */
export class GrantPendingError extends Error {
  override readonly name = 'GrantPendingError';
}

export interface ExactlyOnceOptions {
  readonly signal?: AbortSignal;
  /** Tries of a transaction another one contended with, before the queue's retry takes over. @default 4 */
  readonly contendedTries?: number;
  /** @default 25 (ms, doubled per try, with jitter) */
  readonly backoffMs?: number;
}

/**
 * Grants a settled battle's rewards exactly once (per battleId, whatever the deliveries):
 * - the transaction applies → `settled`; the balances are read right after it in one snapshot
 *   and recorded on the settlement record (first writer wins), so every later answer for this
 *   battle shows the same balances. Another battle's grant committed between the two calls is
 *   included in them: they are "the ledger just after this grant", never a sum without it;
 * - the record exists with the same inputHash → `duplicate` with the recorded balances, nothing
 *   changed (or `settled` again when the record is this very task's: a redelivery after a crash).
 *   When the granting task has not recorded its balances yet, this one records the ledger as it
 *   reads it (the grant is committed, so they include it): first writer wins, as above;
 * - the record exists with another inputHash → BATTLE_CONFLICT, nothing changed.
 */
export async function grantExactlyOnce(store: SettlementStore, settlement: Settlement, task: TaskMark, settledAt: string, options: ExactlyOnceOptions = {}): Promise<GrantResult> {
  const { document, grants } = settlement;
  const playerIds = grants.map((g) => g.playerId);
  const input = grantTransaction(store.tables, document, grants, task, settledAt);
  const tries = options.contendedTries ?? 4;
  const backoffMs = options.backoffMs ?? 25;
  let outcome = await store.grant(input, options.signal);
  for (let attempt = 1; outcome === 'contended' && attempt < tries; attempt++) {
    await sleep(backoffMs * 2 ** (attempt - 1) * (0.5 + Math.random()), undefined, { signal: options.signal });
    outcome = await store.grant(input, options.signal);
  }
  if (outcome === 'contended') throw new GrantPendingError(`Battle ${document.battleId}: its grant kept conflicting with other transactions (${tries} tries)`);

  if (outcome === 'granted') {
    const balances = await store.recordBalances(document.battleId, await store.readBalances(playerIds, options.signal), options.signal);
    return { status: 'settled', balances };
  }

  const stored = await store.read(document.battleId, options.signal);
  if (!stored) throw new GrantPendingError(`Battle ${document.battleId}: a grant with its token is in progress but no record is visible yet`);
  if (stored.inputHash !== document.inputHash) {
    throw battleError(
      BattleErrorCode.BATTLE_CONFLICT,
      `Battle ${document.battleId} was already settled from a different log (input hash ${stored.inputHash.slice(0, 12)}…, this log ${document.inputHash.slice(0, 12)}…); nothing granted`,
      { battleId: document.battleId, path: 'battleId', settledInputHash: stored.inputHash, inputHash: document.inputHash, settledBy: stored.task.key, settledAt: stored.settledAt },
    );
  }
  // The record exists, so its grant committed; if its balances are not recorded yet (that task is
  // between its two calls, or crashed), whoever comes first records the ledger as it is now.
  const balances = stored.balances ?? (await store.recordBalances(document.battleId, await store.readBalances(playerIds, options.signal), options.signal));
  // This task's own earlier attempt granted (then crashed or timed out): it is settled, not a duplicate.
  const ownRecord = stored.task.key === task.key && stored.task.mark === task.mark;
  return { status: ownRecord ? 'settled' : 'duplicate', balances };
}
