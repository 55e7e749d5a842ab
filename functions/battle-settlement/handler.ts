import { createDynamoDbClient, createEventBridgeClient, createS3Client } from '../shared/aws-clients.ts';
import { EnvName } from '../shared/env-names.ts';
import { isPermanentError, OutcomeUnknownError } from '../shared/errors.ts';
import { logger } from '../shared/logger.ts';
import { createQueueWorkerHandler } from '../shared/queue-worker.ts';
import { readObject } from '../shared/s3-io.ts';
import { loadSettings } from '../shared/settings.ts';
import { KitEventPublisher } from '../shared/tasks/task-events.ts';
import { asDuplicate, serializeSettlement, settleBattle, withLedgerBalances } from './core.ts';
import { BattleErrorCode, battleError } from './errors.ts';
import { grantExactlyOnce } from './exactly-once.ts';
import { SettlementEnv, settlementOptionsSchema } from './options.ts';
import { RULESETS } from './ruleset.ts';
import { BATTLE_SETTLED, battleSettledDetail } from './settled-event.ts';
import { SettlementStore } from './settlement-store.ts';

const settings = loadSettings(settlementOptionsSchema);
const { limits, allowedRulesetVersions } = settings.pipeline;
const s3 = createS3Client();
const store = new SettlementStore(createDynamoDbClient(), {
  settlements: requiredEnv(SettlementEnv.SETTLEMENTS_TABLE),
  ledger: requiredEnv(SettlementEnv.LEDGER_TABLE),
});
// The kit bus `Battle Settled` is published on (set by QueuePipeline); unset: no event.
const busName = process.env[EnvName.KIT_BUS_NAME];
const events = busName ? new KitEventPublisher(createEventBridgeClient(), busName) : undefined;
const rulesets = new Map([...RULESETS].filter(([version]) => allowedRulesetVersions.includes(version)));
const coreLimits = { maxBytes: limits.maxInputBytes, maxActions: limits.maxActions };

const tooLarge = (bytes: number) =>
  battleError(BattleErrorCode.BATTLE_TOO_LARGE, `Battle log is ${bytes} bytes, over the ${limits.maxInputBytes}-byte limit`, { bytes, maxBytes: limits.maxInputBytes });

/**
 * Settlement: a battle log (an upload under `battles/`, or a `POST /tasks` JSON task stored as
 * `battles/<taskId>.json`: any key shape) → replay → one exactly-once DynamoDB grant →
 * `settlement/<rel>/settlement.json` (last) → `Battle Settled` on the kit bus.
 */
export const handler = createQueueWorkerHandler({
  settings,
  s3,
  timeoutCode: BattleErrorCode.BATTLE_PROCESSING_TIMEOUT,
  async processObject(object, work) {
    // Content-Length first (readObject refuses before the body is read), then the core's own checks.
    const input = await readObject(s3, object, { maxBytes: limits.maxInputBytes, tooLarge, signal: work.signal });
    const settlement = settleBattle(input, { limits: coreLimits, rulesets });
    await work.assertCurrent();
    const task = { key: object.key, mark: object.sequencer ?? object.eTag ?? object.versionId ?? '' };
    // The event's time, not the clock: a retry of this task sends the identical transaction.
    const settledAt = object.eventTime ?? '';
    const { battleId } = settlement.document;
    // Not enough budget left to grant and write the document: fail now, while nothing is granted,
    // rather than send a grant whose answer the budget would cut off on every delivery.
    if (work.remainingMs() < grantReserveMs(work.budgetMs)) {
      throw battleError(
        BattleErrorCode.BATTLE_PROCESSING_TIMEOUT,
        `Battle ${battleId}: ${Math.round(work.remainingMs())} ms of the ${work.budgetMs} ms budget were left after the replay, under the ${grantReserveMs(work.budgetMs)} ms its grant needs; nothing was granted`,
        { battleId, budgetMs: work.budgetMs },
      );
    }
    // Once the transaction may have been sent, running out of budget is no longer a verdict on the
    // battle: the grant may have committed. The retry reads the outcome from the settlement record
    // (its own record settles again) and finishes the document, so the task still ends succeeded.
    let grantSent = false;
    const grant = await retryOnBudget(
      () =>
        work.withinBudget(() => {
          grantSent = true;
          return grantExactlyOnce(store, settlement, task, settledAt, { signal: work.signal });
        }),
      () => grantSent,
      `Battle ${battleId}: the time budget ran out during its grant; the retry reads the outcome from the settlement record`,
    );
    const settled = withLedgerBalances(settlement.document, grant.balances);
    const document = grant.status === 'duplicate' ? asDuplicate(settled) : settled;
    logger.info('Battle grant', { battleId, status: document.status, inputHash: document.inputHash });
    await retryOnBudget(
      async () => {
        await work.writeOutput(work.resultKey, `${serializeSettlement(document)}\n`, 'application/json');
        await events?.publish(BATTLE_SETTLED, battleSettledDetail(document, work.source, work.resultKey));
      },
      () => true,
      `Battle ${battleId}: granted, but the time budget ran out before settlement.json was written; the retry writes it`,
    );
  },
});

/** Budget the grant, balances and settlement.json need after the replay: a fifth of the budget, at most 1 s. */
const grantReserveMs = (budgetMs: number) => Math.min(1000, Math.round(budgetMs / 5));

/** The pipeline's timeout, turned into a retry once `committedMaybe()` says the grant may have gone through. */
async function retryOnBudget<T>(work: () => Promise<T>, committedMaybe: () => boolean, message: string): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (isPermanentError(error) && error.code === BattleErrorCode.BATTLE_PROCESSING_TIMEOUT && committedMaybe()) throw new OutcomeUnknownError(message, { cause: error });
    throw error;
  }
}

function requiredEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`Invalid handler environment: ${name} is not set`);
  return value;
}
