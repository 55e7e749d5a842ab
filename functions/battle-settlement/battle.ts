import type { BattleAction, BattleLog, BattleResult } from './battle-log.ts';
import { BattleErrorCode, type RejectionReason } from './errors.ts';
import { Prng } from './prng.ts';
import type { EnemyRule, HeroRule, Ruleset, SkillRule } from './ruleset.ts';

/**
 * The battle engine both the replay and the simulator drive, so a simulated fight is legal by
 * construction. Rules (ruleset data supplies the numbers):
 * - a unit's stats are base + perLevel × (level − 1);
 * - damage = max(1, raw × scale ÷ (scale + defense)), raw = skill base + attack × attackBp; a crit
 *   (one PRNG draw per hit, skills and enemy attacks alike) multiplies it by critMultiplierBp;
 *   heals (self skills) restore base + maxHp × maxHpBp, capped at max hp, and draw nothing;
 * - each living enemy attacks every attackIntervalMs (first at attackIntervalMs) the living
 *   player with the lowest hp (ties: first in the log); at the same millisecond players act
 *   first, then enemies in log order;
 * - a kill rolls the enemy kind's drops in order for the killer;
 * - all enemies dead → victory at that instant; all players dead, or maxDurationMs reached →
 *   defeat.
 */

interface UnitStats {
  readonly id: string;
  readonly index: number;
  readonly maxHp: number;
  hp: number;
  readonly attack: number;
  readonly defense: number;
  readonly critChanceBp: number;
}

export interface PlayerUnit extends UnitStats {
  readonly side: 'player';
  readonly heroId: string;
  readonly level: number;
  readonly hero: HeroRule & { readonly skillSet: ReadonlySet<string> };
  /** When each skill was last used (ms). */
  readonly lastUse: Map<string, number>;
  /** The last maxActionsPerSecond action times, as a ring. */
  readonly recent: number[];
  recentHead: number;
  actionsMade: number;
  damageDealt: number;
  kills: number;
  diedAtMs: number | undefined;
}

export interface EnemyUnit extends UnitStats {
  readonly side: 'enemy';
  readonly kind: string;
  readonly level: number;
  readonly rule: EnemyRule;
  nextAttackAt: number;
  killedBy: string | undefined;
  killedAtMs: number | undefined;
  /** Items the kill dropped, for the killer. */
  readonly drops: string[];
}

export type Unit = PlayerUnit | EnemyUnit;

export interface BattleOutcome {
  readonly result: BattleResult;
  readonly durationMs: number;
}

const RATE_WINDOW_MS = 1000;

// The integer helpers of integer-math.ts, local: the replay's hottest lines should not pay for a
// cross-module call (module-namespace getters under some loaders).
/** a ÷ b rounded down, exactly: a % b and the subtraction are exact for non-negative safe integers. */
function idiv(a: number, b: number): number {
  return (a - (a % b)) / b;
}

function applyBp(value: number, bp: number): number {
  return idiv(value * bp, 10_000);
}

function statsAt(rule: { base: { hp: number; attack: number; defense: number }; perLevel: { hp: number; attack: number; defense: number } }, level: number) {
  const steps = level - 1;
  return {
    maxHp: rule.base.hp + rule.perLevel.hp * steps,
    attack: rule.base.attack + rule.perLevel.attack * steps,
    defense: rule.base.defense + rule.perLevel.defense * steps,
  };
}

export class Battle {
  readonly players: PlayerUnit[];
  readonly enemies: EnemyUnit[];
  readonly units = new Map<string, Unit>();
  /** The clock: every enemy attack before it has happened. */
  now = 0;
  outcome: BattleOutcome | undefined;
  private livingPlayers: number;
  private livingEnemies: number;
  private readonly rng: Prng;
  private readonly maxRate: number;
  private readonly maxDurationMs: number;
  private readonly defenseScale: number;
  private readonly critMultiplierBp: number;

  /** The setup must already be valid for the ruleset (see setupReasons). */
  constructor(
    setup: Pick<BattleLog, 'seed' | 'players' | 'enemies'>,
    readonly ruleset: Ruleset,
  ) {
    this.rng = new Prng(setup.seed);
    this.maxRate = ruleset.data.maxActionsPerSecond;
    this.maxDurationMs = ruleset.data.maxDurationMs;
    this.defenseScale = ruleset.data.defenseScale;
    this.critMultiplierBp = ruleset.data.critMultiplierBp;
    this.players = setup.players.map((p, index) => {
      const hero = ruleset.heroes.get(p.heroId)!;
      const stats = statsAt(hero, p.level);
      return {
        side: 'player',
        id: p.playerId,
        index,
        heroId: p.heroId,
        level: p.level,
        hero,
        ...stats,
        hp: stats.maxHp,
        critChanceBp: hero.critChanceBp,
        lastUse: new Map(),
        recent: new Array<number>(this.maxRate).fill(0),
        recentHead: 0,
        actionsMade: 0,
        damageDealt: 0,
        kills: 0,
        diedAtMs: undefined,
      };
    });
    this.enemies = setup.enemies.map((e, index) => {
      const rule = ruleset.enemies.get(e.kind)!;
      const stats = statsAt(rule, e.level);
      return {
        side: 'enemy',
        id: e.unitId,
        index,
        kind: e.kind,
        level: e.level,
        rule,
        ...stats,
        hp: stats.maxHp,
        critChanceBp: rule.critChanceBp,
        nextAttackAt: rule.attackIntervalMs,
        killedBy: undefined,
        killedAtMs: undefined,
        drops: [],
      };
    });
    for (const unit of [...this.players, ...this.enemies]) this.units.set(unit.id, unit);
    this.livingPlayers = this.players.length;
    this.livingEnemies = this.enemies.length;
  }

  /** Runs every enemy attack due before `t` (players act first within a millisecond). */
  advanceTo(t: number): void {
    const maxDurationMs = this.maxDurationMs;
    const limit = t <= maxDurationMs ? t : maxDurationMs + 1;
    const enemies = this.enemies;
    while (this.outcome === undefined) {
      // The next attacker: the earliest due before the limit; at a tie, the first in the log.
      let next: EnemyUnit | undefined;
      let at = limit;
      for (let i = 0; i < enemies.length; i++) {
        const enemy = enemies[i]!;
        if (enemy.hp > 0 && enemy.nextAttackAt < at) {
          at = enemy.nextAttackAt;
          next = enemy;
        }
      }
      if (next === undefined) break;
      this.enemyAttack(next);
    }
    if (this.outcome === undefined && t > maxDurationMs) this.outcome = { result: 'defeat', durationMs: maxDurationMs };
    if (this.outcome === undefined && t > this.now) this.now = t;
  }

  /** After the last action: enemies keep attacking until one side wins or time runs out. */
  finish(): BattleOutcome {
    this.advanceTo(this.maxDurationMs + 1);
    return this.outcome!;
  }

  /**
   * Why `action` cannot happen now (at `action.t`, after advanceTo): pushes each reason onto
   * `reasons` and returns whether there were none. Changes nothing.
   */
  check(action: BattleAction, index: number, reasons: RejectionReason[]): boolean {
    const before = reasons.length;
    const actor = this.units.get(action.actor);
    if (actor === undefined) {
      reasons.push({ code: BattleErrorCode.BATTLE_CHEAT_ACTOR, path: `actions[${index}].actor`, actionIndex: index, message: `actor '${action.actor}' is not in the battle` });
      return false;
    }
    if (actor.side !== 'player') {
      reasons.push({ code: BattleErrorCode.BATTLE_CHEAT_ACTOR, path: `actions[${index}].actor`, actionIndex: index, message: `actor '${action.actor}' is an enemy; enemies act by the ruleset` });
      return false;
    }
    if (actor.hp === 0) {
      reasons.push({ code: BattleErrorCode.BATTLE_CHEAT_ACTOR, path: `actions[${index}].actor`, actionIndex: index, message: `actor '${action.actor}' is dead at ${action.t} ms` });
      return false;
    }
    const skill = this.ruleset.skills.get(action.skill);
    if (skill === undefined || !actor.hero.skillSet.has(action.skill)) {
      const why = skill === undefined ? `is not in ruleset ${this.ruleset.version}` : `is not a skill of hero '${actor.heroId}'`;
      reasons.push({ code: BattleErrorCode.BATTLE_CHEAT_SKILL, path: `actions[${index}].skill`, actionIndex: index, message: `skill '${action.skill}' ${why}` });
    } else {
      const last = actor.lastUse.get(action.skill);
      if (last !== undefined && action.t - last < skill.cooldownMs) {
        reasons.push({
          code: BattleErrorCode.BATTLE_CHEAT_COOLDOWN,
          path: `actions[${index}].t`,
          actionIndex: index,
          message: `skill '${action.skill}' used ${action.t - last} ms after its last use; its cooldown is ${skill.cooldownMs} ms`,
        });
      }
      this.checkTarget(action, actor, skill, index, reasons);
      this.checkedAction = action;
      this.checkedActor = actor;
      this.checkedSkill = skill;
    }
    if (actor.actionsMade >= this.maxRate && action.t - actor.recent[actor.recentHead]! < RATE_WINDOW_MS) {
      reasons.push({
        code: BattleErrorCode.BATTLE_CHEAT_RATE,
        path: `actions[${index}].t`,
        actionIndex: index,
        message: `'${action.actor}' makes more than ${this.maxRate} actions within ${RATE_WINDOW_MS} ms`,
      });
    }
    return reasons.length === before;
  }

  /** What the last check() resolved, so apply() does not look it all up again. */
  private checkedAction: BattleAction | undefined;
  private checkedActor: PlayerUnit | undefined;
  private checkedSkill: SkillRule | undefined;

  private checkTarget(action: BattleAction, actor: PlayerUnit, skill: SkillRule, index: number, reasons: RejectionReason[]): void {
    const problem = this.targetProblem(action, actor, skill);
    if (problem !== undefined) reasons.push({ code: BattleErrorCode.BATTLE_CHEAT_TARGET, path: `actions[${index}].target`, actionIndex: index, message: problem });
  }

  private targetProblem(action: BattleAction, actor: PlayerUnit, skill: SkillRule): string | undefined {
    if (action.target === undefined) return skill.targeting === 'enemy' ? `skill '${action.skill}' needs a target` : undefined;
    if (skill.targeting === 'self') return action.target === actor.id ? undefined : `skill '${action.skill}' targets its user, not '${action.target}'`;
    const target = this.units.get(action.target);
    if (target === undefined) return `target '${action.target}' is not in the battle`;
    if (target.side !== 'enemy') return `skill '${action.skill}' targets enemies, and '${action.target}' is a player`;
    if (target.hp === 0) return `target '${action.target}' is dead at ${action.t} ms`;
    return undefined;
  }

  /** Applies an action that passed check(). */
  apply(action: BattleAction): void {
    const resolved = this.checkedAction === action;
    const actor = resolved ? this.checkedActor! : (this.units.get(action.actor) as PlayerUnit);
    const skill = resolved ? this.checkedSkill! : this.ruleset.skills.get(action.skill)!;
    actor.lastUse.set(action.skill, action.t);
    actor.recent[actor.recentHead] = action.t;
    actor.recentHead = (actor.recentHead + 1) % this.maxRate;
    actor.actionsMade += 1;
    if (skill.targeting === 'self') {
      actor.hp = Math.min(actor.maxHp, actor.hp + skill.base + applyBp(actor.maxHp, skill.maxHpBp));
      return;
    }
    const raw = skill.base + applyBp(actor.attack, skill.attackBp);
    if (skill.targeting === 'enemy') {
      this.playerHits(actor, this.units.get(action.target!) as EnemyUnit, raw, action.t);
      return;
    }
    for (const enemy of this.enemies) {
      if (enemy.hp > 0) this.playerHits(actor, enemy, raw, action.t);
    }
  }

  /** Damage of one hit after defense and a crit roll (always drawn, so the sequence never depends on the outcome). */
  private damage(raw: number, attackerCritBp: number, defense: number): number {
    const scale = this.defenseScale;
    const reduced = idiv(raw * scale, scale + defense);
    const mitigated = reduced > 1 ? reduced : 1;
    return this.rng.chance(attackerCritBp) ? applyBp(mitigated, this.critMultiplierBp) : mitigated;
  }

  private playerHits(actor: PlayerUnit, enemy: EnemyUnit, raw: number, t: number): void {
    const dealt = Math.min(enemy.hp, this.damage(raw, actor.critChanceBp, enemy.defense));
    enemy.hp -= dealt;
    actor.damageDealt += dealt;
    if (enemy.hp > 0) return;
    enemy.killedBy = actor.id;
    enemy.killedAtMs = t;
    actor.kills += 1;
    for (const drop of enemy.rule.drops) {
      if (this.rng.chance(drop.chanceBp)) enemy.drops.push(drop.itemId);
    }
    this.livingEnemies -= 1;
    if (this.livingEnemies === 0) this.outcome = { result: 'victory', durationMs: t };
  }

  private enemyAttack(enemy: EnemyUnit): void {
    const t = enemy.nextAttackAt;
    this.now = t;
    enemy.nextAttackAt = t + enemy.rule.attackIntervalMs;
    let target: PlayerUnit | undefined;
    const players = this.players;
    for (let i = 0; i < players.length; i++) {
      const player = players[i]!;
      if (player.hp > 0 && (target === undefined || player.hp < target.hp)) target = player;
    }
    if (target === undefined) return;
    target.hp -= Math.min(target.hp, this.damage(enemy.attack, enemy.critChanceBp, target.defense));
    if (target.hp > 0) return;
    target.diedAtMs = t;
    this.livingPlayers -= 1;
    if (this.livingPlayers === 0) this.outcome = { result: 'defeat', durationMs: t };
  }
}
