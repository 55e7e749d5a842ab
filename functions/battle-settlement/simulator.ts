import type { BattleAction, BattleLog } from './battle-log.ts';
import { Battle, type PlayerUnit } from './battle.ts';
import type { RejectionReason } from './errors.ts';
import { applyBp, idiv } from './integer-math.ts';
import { Prng } from './prng.ts';
import { rulesetFor, type Ruleset, type SkillRule } from './ruleset.ts';

/**
 * Plays a legal fight under a ruleset and writes its log — real input of any size for users,
 * tests and benchmarks. It drives the same engine as the replay and checks every action with
 * it before applying it, so the log it returns always settles (as a victory or a defeat, as the
 * fight goes). Everything follows from `seed`: the encounter, the players' choices and timing
 * (a second PRNG stream), and the crits and drops (the battle's own stream, as in the replay).
 */

export interface SimulationOptions {
  readonly seed: number;
  /** Number of players (default 2). */
  readonly players?: number;
  /** Number of enemies (default 3). */
  readonly enemies?: number;
  /** The most actions the players make (default 60); the battle may end sooner. */
  readonly actions?: number;
  readonly battleId?: string;
  readonly rulesetVersion?: string;
  /** Enemy kinds to draw the encounter from (default: goblin, wolf, orc, troll; the golem is a raid boss for long fights). */
  readonly enemyKinds?: readonly string[];
  /**
   * Without it, enemies come at about the party's level. With it, their levels are sized so
   * their hp is this share (basis points) of what the action budget deals: over 10 000 the
   * players use every action (benchmarks use golems at 40 000 for logs of an exact length).
   */
  readonly difficultyBp?: number;
}

export const SIMULATION_DEFAULTS = { players: 2, enemies: 3, actions: 60, enemyKinds: ['goblin', 'wolf', 'orc', 'troll'] } as const;

/** Thinking time between a player's decisions. */
const THINK_MS = { min: 150, spread: 350 };
/** Below this share of max hp a player heals first when they can. */
const HEAL_BELOW_BP = 5000;

export function simulateBattle(options: SimulationOptions): BattleLog {
  const ruleset = rulesetFor(options.rulesetVersion ?? '1');
  if (ruleset === undefined) throw new Error(`simulateBattle: unknown ruleset '${options.rulesetVersion}'`);
  const playerCount = options.players ?? SIMULATION_DEFAULTS.players;
  const enemyCount = options.enemies ?? SIMULATION_DEFAULTS.enemies;
  const budget = options.actions ?? SIMULATION_DEFAULTS.actions;
  if (playerCount < 1 || playerCount > ruleset.data.maxPlayers) throw new RangeError(`players must be 1..${ruleset.data.maxPlayers}`);
  if (enemyCount < 1 || enemyCount > ruleset.data.maxEnemies) throw new RangeError(`enemies must be 1..${ruleset.data.maxEnemies}`);
  if (!Number.isInteger(budget) || budget < 0) throw new RangeError('actions must be a whole number');
  const seed = options.seed >>> 0;
  const choices = new Prng(seed ^ 0x51ed_2701);
  const pick = <T>(items: readonly T[]): T => items[choices.next() % items.length]!;

  const heroIds = [...ruleset.heroes.keys()];
  const players = Array.from({ length: playerCount }, (_, i) => {
    const heroId = pick(heroIds);
    return { playerId: `p${i + 1}`, heroId, level: Math.min(ruleset.heroes.get(heroId)!.maxLevel, 10 + (choices.next() % 11)) };
  });
  const enemies = encounter(ruleset, players, enemyCount, budget, options, pick);
  const setup = { seed, players, enemies };

  const battle = new Battle(setup, ruleset);
  const actions: BattleAction[] = [];
  const nextDecision = battle.players.map(() => choices.next() % 1000);
  const scratch: RejectionReason[] = [];
  while (actions.length < budget && battle.outcome === undefined) {
    const player = earliest(battle.players, nextDecision);
    if (player === undefined) break;
    const t = nextDecision[player.index]!;
    if (t > ruleset.data.maxDurationMs) break;
    battle.advanceTo(t);
    if (battle.outcome !== undefined || player.hp === 0) continue;
    const action = decide(battle, player, t);
    if (action === undefined) {
      nextDecision[player.index] = readyAt(battle, player, t);
      continue;
    }
    if (!battle.check(action, actions.length, scratch)) throw new Error(`simulateBattle made an illegal action: ${JSON.stringify(scratch)}`);
    battle.apply(action);
    actions.push(action);
    nextDecision[player.index] = t + THINK_MS.min + (choices.next() % THINK_MS.spread);
  }
  const outcome = battle.finish();
  return {
    // The parameters are part of the id: the same seed with other options is another battle, not a conflicting reuse of one.
    battleId: options.battleId ?? `b-${seed.toString(16).padStart(8, '0')}-${playerCount}p${enemyCount}e${budget}a`,
    rulesetVersion: ruleset.version,
    seed,
    players,
    enemies,
    actions,
    claimed: { result: outcome.result, durationMs: outcome.durationMs },
  };
}

/**
 * The encounter: kinds drawn from the pool; levels around the party's average (a fair fight),
 * or, with difficultyBp, sized so the enemies' hp is that share of what the action budget deals
 * (long fights that use every action).
 */
function encounter(
  ruleset: Ruleset,
  players: readonly { heroId: string; level: number }[],
  count: number,
  budget: number,
  options: SimulationOptions,
  pick: <T>(items: readonly T[]) => T,
) {
  const kinds = options.enemyKinds ?? SIMULATION_DEFAULTS.enemyKinds;
  for (const kind of kinds) if (!ruleset.enemies.has(kind)) throw new RangeError(`unknown enemy kind '${kind}'`);
  const partyLevel = idiv(players.reduce((sum, p) => sum + p.level, 0), players.length);
  const rawPerAction = Math.max(1, idiv(players.reduce((sum, p) => sum + heroAttackAt(ruleset, p.heroId, p.level), 0), players.length));
  const rawPerEnemy = options.difficultyBp === undefined ? 0 : idiv(applyBp(Math.max(1, budget) * rawPerAction, options.difficultyBp), count);
  const scale = ruleset.data.defenseScale;
  return Array.from({ length: count }, (_, i) => {
    const kind = pick(kinds);
    const rule = ruleset.enemies.get(kind)!;
    let level = Math.min(rule.maxLevel, Math.max(1, partyLevel - 1 + pick([0, 1, 2, 3, 4, 5, 6])));
    if (options.difficultyBp !== undefined) {
      // hp × (scale + defense) ÷ scale is the raw damage it takes to kill: the smallest level that absorbs the budget's share.
      level = 1;
      const hpAt = (l: number) => rule.base.hp + rule.perLevel.hp * (l - 1);
      const defenseAt = (l: number) => rule.base.defense + rule.perLevel.defense * (l - 1);
      while (level < rule.maxLevel && hpAt(level) * (scale + defenseAt(level)) < rawPerEnemy * scale) level++;
    }
    return { unitId: `e${i + 1}`, kind, level };
  });
}

function heroAttackAt(ruleset: Ruleset, heroId: string, level: number): number {
  const hero = ruleset.heroes.get(heroId)!;
  return hero.base.attack + hero.perLevel.attack * (level - 1);
}

function earliest(players: readonly PlayerUnit[], at: readonly number[]): PlayerUnit | undefined {
  let best: PlayerUnit | undefined;
  for (const p of players) if (p.hp > 0 && (best === undefined || at[p.index]! < at[best.index]!)) best = p;
  return best;
}

function isReady(player: PlayerUnit, skillId: string, skill: SkillRule, t: number): boolean {
  const last = player.lastUse.get(skillId);
  return last === undefined || t - last >= skill.cooldownMs;
}

function rateAllows(battle: Battle, player: PlayerUnit, t: number): boolean {
  return player.actionsMade < battle.ruleset.data.maxActionsPerSecond || t - player.recent[player.recentHead]! >= 1000;
}

/** Heal when low; otherwise the hardest-hitting ready skill (area skills count every living enemy) on the weakest enemy. */
function decide(battle: Battle, player: PlayerUnit, t: number): BattleAction | undefined {
  if (!rateAllows(battle, player, t)) return undefined;
  const living = battle.enemies.filter((e) => e.hp > 0);
  let best: { id: string; value: number; skill: SkillRule } | undefined;
  for (const id of player.hero.skills) {
    const skill = battle.ruleset.skills.get(id)!;
    if (!isReady(player, id, skill, t)) continue;
    let value: number;
    if (skill.targeting === 'self') {
      value = player.hp * 10_000 < player.maxHp * HEAL_BELOW_BP ? Number.MAX_SAFE_INTEGER : -1;
    } else {
      const raw = skill.base + applyBp(player.attack, skill.attackBp);
      value = skill.targeting === 'all-enemies' ? raw * living.length : raw;
    }
    if (value >= 0 && (best === undefined || value > best.value)) best = { id, value, skill };
  }
  if (best === undefined) return undefined;
  if (best.skill.targeting === 'self') return { t, actor: player.id, skill: best.id };
  if (best.skill.targeting === 'all-enemies') return { t, actor: player.id, skill: best.id };
  const target = living.reduce((a, b) => (b.hp < a.hp ? b : a));
  return { t, actor: player.id, skill: best.id, target: target.id };
}

/** The next time one of the player's attacks is ready and the rate allows an action. */
function readyAt(battle: Battle, player: PlayerUnit, t: number): number {
  let at = Number.MAX_SAFE_INTEGER;
  for (const id of player.hero.skills) {
    const skill = battle.ruleset.skills.get(id)!;
    if (skill.targeting === 'self') continue;
    at = Math.min(at, (player.lastUse.get(id) ?? 0) + skill.cooldownMs);
  }
  if (player.actionsMade >= battle.ruleset.data.maxActionsPerSecond) at = Math.max(at, player.recent[player.recentHead]! + 1000);
  return Math.max(at, t + 1);
}
