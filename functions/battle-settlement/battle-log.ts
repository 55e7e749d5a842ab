import { z } from 'zod';

/**
 * The battle log: a public contract. Extend it (new optional fields), never break these fields.
 * Objects are strict — an unknown field is a schema violation, so nothing rides along unreplayed
 * and the input hash covers everything the log says. Ids are limited to a charset that is safe
 * in S3 keys, DynamoDB keys and logs.
 */

const unitId = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$/, 'must be 1-64 characters: letters, digits, _ . : - (not first)');
const ruleId = z.string().min(1).max(64);

export const battleActionSchema = z.strictObject({
  /** Milliseconds since the battle started. */
  t: z.int(),
  actor: unitId,
  skill: ruleId,
  /** Required by single-target skills; optional for self and all-enemies skills. */
  target: unitId.optional(),
});

/** Hard caps that bound the work before a ruleset is even looked up; rulesets set tighter ones. */
export const MAX_UNITS_PER_SIDE = 64;

export const battleLogSchema = z.strictObject({
  battleId: unitId,
  rulesetVersion: z.string().min(1).max(32),
  /** The PRNG seed for crits and drops (uint32). */
  seed: z.int().min(0).max(0xffff_ffff),
  players: z.array(z.strictObject({ playerId: unitId, heroId: ruleId, level: z.int() })).min(1).max(MAX_UNITS_PER_SIDE),
  enemies: z.array(z.strictObject({ unitId, kind: ruleId, level: z.int() })).min(1).max(MAX_UNITS_PER_SIDE),
  actions: z.array(battleActionSchema),
  claimed: z.strictObject({ result: z.enum(['victory', 'defeat']), durationMs: z.int().min(0) }),
});

export type BattleLog = z.infer<typeof battleLogSchema>;
export type BattleAction = z.infer<typeof battleActionSchema>;
export type BattleResult = BattleLog['claimed']['result'];

/** Limits checked before parsing (bytes) and before schema validation and replay (actions). */
export interface BattleLogLimits {
  readonly maxBytes: number;
  readonly maxActions: number;
}

/** 10 000 actions is a long raid (~550 KB); both limits leave headroom and bound a settlement's cost. */
export const DEFAULT_LIMITS: BattleLogLimits = { maxBytes: 2 * 1024 * 1024, maxActions: 20_000 };
