import { z } from 'zod';

/**
 * The battle log: a public contract. Extend it (new optional fields), never break these fields.
 * Objects are strict — an unknown field is a schema violation, so nothing rides along unreplayed
 * and the input hash covers everything the log says. Ids are limited to a charset that is safe
 * in S3 keys, DynamoDB keys and logs.
 *
 * Every object's keys are declared in sorted order on purpose: zod builds its output in shape
 * order and leaves absent optional keys out, so JSON.stringify of a parsed log IS its canonical
 * JSON (log-hash.ts; a test holds this against the generic canonicalJson).
 */

/** Ids of battles and units: safe in S3 keys, DynamoDB keys and logs. */
export const UNIT_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$/;
export const MAX_RULE_ID_LENGTH = 64;
export const MAX_RULESET_VERSION_LENGTH = 32;
const unitId = z.string().regex(UNIT_ID_PATTERN, 'must be 1-64 characters: letters, digits, _ . : - (not first)');
const ruleId = z.string().min(1).max(MAX_RULE_ID_LENGTH);

export const battleActionSchema = z.strictObject({
  actor: unitId,
  skill: ruleId,
  /** Milliseconds since the battle started. */
  t: z.int(),
  /** Required by single-target skills; optional for self and all-enemies skills. */
  target: unitId.optional(),
});

/** Hard caps that bound the work before a ruleset is even looked up; rulesets set tighter ones. */
export const MAX_UNITS_PER_SIDE = 64;

export const battleLogSchema = z.strictObject({
  actions: z.array(battleActionSchema),
  battleId: unitId,
  claimed: z.strictObject({ durationMs: z.int().min(0), result: z.enum(['victory', 'defeat']) }),
  enemies: z.array(z.strictObject({ kind: ruleId, level: z.int(), unitId })).min(1).max(MAX_UNITS_PER_SIDE),
  players: z.array(z.strictObject({ heroId: ruleId, level: z.int(), playerId: unitId })).min(1).max(MAX_UNITS_PER_SIDE),
  rulesetVersion: z.string().min(1).max(MAX_RULESET_VERSION_LENGTH),
  /** The PRNG seed for crits and drops (uint32). */
  seed: z.int().min(0).max(0xffff_ffff),
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
