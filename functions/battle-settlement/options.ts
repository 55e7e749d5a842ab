import { z } from 'zod';
import { DEFAULT_LIMITS } from './battle-log.ts';
import { RULESETS } from './ruleset.ts';

/**
 * The settlement handler's settings (`PIPELINE_SETTINGS`), parsed by the construct at synth and
 * by the handler at load with this same schema.
 */
export const settlementOptionsSchema = z.strictObject({
  limits: z
    .strictObject({
      /** A log over this many bytes is refused before it is read (Content-Length) or parsed. @default 2 MiB */
      maxInputBytes: z.number().int().min(256).max(32 * 1024 * 1024).default(DEFAULT_LIMITS.maxBytes),
      /** A log with more actions is refused before the replay. @default 20 000 */
      maxActions: z.number().int().min(1).max(1_000_000).default(DEFAULT_LIMITS.maxActions),
    })
    .default({ maxInputBytes: DEFAULT_LIMITS.maxBytes, maxActions: DEFAULT_LIMITS.maxActions }),
  /**
   * Ruleset versions this deployment settles; a log naming any other fails with
   * BATTLE_RULESET_UNKNOWN (retire a season without removing its rules). @default every shipped ruleset
   */
  allowedRulesetVersions: z
    .array(z.string().min(1))
    .min(1)
    .default([...RULESETS.keys()])
    .refine((versions) => versions.every((v) => RULESETS.has(v)), { message: `every version must be a shipped ruleset (${[...RULESETS.keys()].join(', ')})` }),
});

export type SettlementOptions = z.infer<typeof settlementOptionsSchema>;

/** Variables the construct sets beyond the contract and settings: where the records go. */
export const SettlementEnv = {
  SETTLEMENTS_TABLE: 'SETTLEMENTS_TABLE',
  LEDGER_TABLE: 'LEDGER_TABLE',
} as const;
