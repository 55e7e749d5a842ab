import type { BattleLog } from '../../../functions/battle-settlement/battle-log.ts';
import { type SettleOptions, settleBattle } from '../../../functions/battle-settlement/core.ts';
import { type BattleError, isBattleError } from '../../../functions/battle-settlement/errors.ts';
import { type SimulationOptions, simulateBattle } from '../../../functions/battle-settlement/simulator.ts';
import { SETTLEMENT_ERROR_CODES } from '../../../functions/battle-settlement/errors.ts';
import { SettlementEnv } from '../../../functions/battle-settlement/options.ts';
import { EnvName } from '../../../functions/shared/env-names.ts';
import { vi } from 'vitest';

/** A deep copy to tamper with. */
export function copy(log: BattleLog): BattleLog {
  return structuredClone(log);
}

export function honest(options: Partial<SimulationOptions> & { seed: number }): BattleLog {
  return simulateBattle(options);
}

/** Settles a log given as a value (or raw text) and returns the BattleError it must throw. */
export function rejectionOf(log: BattleLog | string, options?: SettleOptions): BattleError {
  try {
    settleBattle(typeof log === 'string' ? log : JSON.stringify(log), options);
  } catch (error) {
    if (isBattleError(error)) return error;
    throw error;
  }
  throw new Error('expected the battle to be rejected, but it settled');
}

export function reasonCodes(error: BattleError): string[] {
  return ((error.details.reasons as { code: string }[] | undefined) ?? []).map((r) => r.code);
}

/** The first simulated log (seed from `from`) that `accept` likes: tests pick fights with the shape they need. */
export function findLog(accept: (log: BattleLog) => boolean, options: Partial<SimulationOptions> = {}, from = 1): BattleLog {
  for (let seed = from; seed < from + 500; seed++) {
    const log = simulateBattle({ ...options, seed });
    if (accept(log)) return log;
  }
  throw new Error('no simulated log of the wanted shape in 500 seeds');
}

/** The environment SettlementPipeline gives its handler (tables, contract, settings), before the handler module loads. */
export function stubSettlementHandlerEnv({ timeBudgetMs = 5000, busName }: { timeBudgetMs?: number; busName?: string } = {}): void {
  vi.stubEnv(EnvName.RESULTS_BUCKET, 'results-bucket');
  vi.stubEnv(
    EnvName.PIPELINE_CONTRACT,
    JSON.stringify({ id: 'settlement', ingestPrefix: 'battles/', outputPrefix: 'settlement/', resultDocument: 'settlement.json', errorCodes: SETTLEMENT_ERROR_CODES, acceptsJsonTasks: true }),
  );
  vi.stubEnv(EnvName.TIME_BUDGET_MS, String(timeBudgetMs));
  vi.stubEnv(EnvName.PIPELINE_SETTINGS, JSON.stringify({ limits: { maxInputBytes: 64 * 1024, maxActions: 5000 }, allowedRulesetVersions: ['1'] }));
  vi.stubEnv(SettlementEnv.SETTLEMENTS_TABLE, 'settlements');
  vi.stubEnv(SettlementEnv.LEDGER_TABLE, 'ledger');
  if (busName) vi.stubEnv(EnvName.KIT_BUS_NAME, busName);
}
