import { createHash } from 'node:crypto';
import { z } from 'zod';
import { canonicalJson } from './canonical-json.ts';
import ruleset1 from './rulesets/1.json' with { type: 'json' };

/**
 * Rulesets are data: each file under rulesets/ is one version, validated here at load and
 * hashed (sha256 of its canonical JSON), so a settlement names exactly the rules it was computed
 * under. A battle log pins its version; old versions stay so old logs still settle the same.
 * Every number is an integer; fractions are basis points (1/10 000).
 */

const id = z.string().regex(/^[a-z0-9][a-z0-9-]{0,31}$/);
const count = z.int().min(0);
const stats = z.strictObject({ hp: z.int().min(1), attack: count, defense: count });
const statsPerLevel = z.strictObject({ hp: count, attack: count, defense: count });
const basisPoints = z.int().min(0).max(10_000);
const byLevel = z.strictObject({ base: count, perLevel: count });

const skillSchema = z.discriminatedUnion('targeting', [
  z.strictObject({ targeting: z.enum(['enemy', 'all-enemies']), cooldownMs: z.int().min(500), base: count, attackBp: count }),
  z.strictObject({ targeting: z.literal('self'), cooldownMs: z.int().min(500), base: count, maxHpBp: count }),
]);

export const rulesetSchema = z.strictObject({
  version: z.string().min(1).max(32),
  /** The leaderboard season this ruleset's battles count towards. */
  season: z.string().min(1).max(32),
  basisPoints: z.literal(10_000),
  critMultiplierBp: z.int().min(10_000),
  /** Damage taken = raw × defenseScale ÷ (defenseScale + defense), so defense never makes it zero. */
  defenseScale: z.int().min(1),
  maxPlayers: z.int().min(1).max(64),
  maxEnemies: z.int().min(1).max(64),
  maxDurationMs: z.int().min(1000),
  /** Actions one player may make in any 1 000 ms window. */
  maxActionsPerSecond: z.int().min(1),
  heroes: z.record(id, z.strictObject({ maxLevel: z.int().min(1), critChanceBp: basisPoints, base: stats, perLevel: statsPerLevel, skills: z.array(id).min(1) })),
  skills: z.record(id, skillSchema),
  enemies: z.record(
    id,
    z.strictObject({
      maxLevel: z.int().min(1),
      attackIntervalMs: z.int().min(100),
      critChanceBp: basisPoints,
      base: stats,
      perLevel: statsPerLevel,
      xp: byLevel,
      gold: byLevel,
      drops: z.array(z.strictObject({ itemId: id, chanceBp: basisPoints })),
    }),
  ),
});

export type RulesetData = z.infer<typeof rulesetSchema>;
export type SkillRule = RulesetData['skills'][string];
export type HeroRule = RulesetData['heroes'][string];
export type EnemyRule = RulesetData['enemies'][string];

export interface Ruleset {
  readonly version: string;
  /** sha256 (hex) of the ruleset's canonical JSON. */
  readonly hash: string;
  readonly data: RulesetData;
  /** Lookups by id, built once: the replay never walks the ruleset's objects. */
  readonly heroes: ReadonlyMap<string, HeroRule & { readonly skillSet: ReadonlySet<string> }>;
  readonly skills: ReadonlyMap<string, SkillRule>;
  readonly enemies: ReadonlyMap<string, EnemyRule>;
}

/** Validates one ruleset's data and builds its lookups; a broken ruleset fails the cold start, naming the field. */
export function compileRuleset(raw: unknown): Ruleset {
  const parsed = rulesetSchema.safeParse(raw);
  if (!parsed.success) throw new Error(`Invalid ruleset: ${z.prettifyError(parsed.error)}`);
  const data = parsed.data;
  for (const [heroId, hero] of Object.entries(data.heroes)) {
    for (const skill of hero.skills) {
      if (!(skill in data.skills)) throw new Error(`Invalid ruleset ${data.version}: hero '${heroId}' has unknown skill '${skill}'`);
    }
  }
  return {
    version: data.version,
    hash: createHash('sha256').update(canonicalJson(data)).digest('hex'),
    data,
    heroes: new Map(Object.entries(data.heroes).map(([heroId, hero]) => [heroId, { ...hero, skillSet: new Set(hero.skills) }])),
    skills: new Map(Object.entries(data.skills)),
    enemies: new Map(Object.entries(data.enemies)),
  };
}

/** Every ruleset this build knows, by version. */
export const RULESETS: ReadonlyMap<string, Ruleset> = new Map([ruleset1].map((raw) => compileRuleset(raw)).map((r) => [r.version, r]));

export function rulesetFor(version: string): Ruleset | undefined {
  return RULESETS.get(version);
}
