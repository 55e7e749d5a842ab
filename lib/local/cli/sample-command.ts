import { randomInt } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { DEFAULT_LIMITS } from '../../../functions/battle-settlement/battle-log.ts';
import { formatBattleLog } from '../../../functions/battle-settlement/format-log.ts';
import { rulesetFor } from '../../../functions/battle-settlement/ruleset.ts';
import { SIMULATION_DEFAULTS, simulateBattle } from '../../../functions/battle-settlement/simulator.ts';
import { LocalErrorCode, LocalRuntimeError } from '../errors.ts';
import { progress } from './format.ts';

export const SAMPLE_USAGE = `media-kit sample battle [--seed N] [--players N] [--enemies N] [--actions N] [--out FILE]

  Writes a valid battle log from a fight simulated under ruleset 1 (stdout without --out).
  --seed N      0..4294967295 (default: random, printed on stderr so the log can be made again)
  --players N   1..${rulesetFor('1')!.data.maxPlayers} (default ${SIMULATION_DEFAULTS.players})
  --enemies N   1..${rulesetFor('1')!.data.maxEnemies} (default ${SIMULATION_DEFAULTS.enemies})
  --actions N   the most actions the players make, 0..${DEFAULT_LIMITS.maxActions} (default ${SIMULATION_DEFAULTS.actions}); the fight may end sooner`;

/** `media-kit sample battle …`: argv after `sample`. Parses its own flags: any other flag is an error. */
export async function sampleCommand(args: readonly string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...args],
    allowPositionals: true,
    strict: true,
    options: {
      seed: { type: 'string' },
      players: { type: 'string' },
      enemies: { type: 'string' },
      actions: { type: 'string' },
      out: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(SAMPLE_USAGE);
    return 0;
  }
  if (positionals.length !== 1 || positionals[0] !== 'battle') {
    const got = positionals.length === 0 ? 'nothing' : `'${positionals.join(' ')}'`;
    throw new LocalRuntimeError(LocalErrorCode.USAGE, `sample makes 'battle' samples, not ${got}\n\n${SAMPLE_USAGE}`);
  }
  const ruleset = rulesetFor('1')!;
  const seed = values.seed === undefined ? randomInt(0, 2 ** 32) : integerFlag(values.seed, '--seed', 0, 0xffff_ffff);
  const log = simulateBattle({
    seed,
    players: values.players === undefined ? SIMULATION_DEFAULTS.players : integerFlag(values.players, '--players', 1, ruleset.data.maxPlayers),
    enemies: values.enemies === undefined ? SIMULATION_DEFAULTS.enemies : integerFlag(values.enemies, '--enemies', 1, ruleset.data.maxEnemies),
    actions: values.actions === undefined ? SIMULATION_DEFAULTS.actions : integerFlag(values.actions, '--actions', 0, DEFAULT_LIMITS.maxActions),
  });
  const text = formatBattleLog(log);
  const summary = `battle ${log.battleId} (seed ${seed}): ${log.players.length} players vs ${log.enemies.length} enemies, ${log.actions.length} actions, ${log.claimed.result} at ${log.claimed.durationMs} ms`;
  if (values.out === undefined) {
    process.stdout.write(text);
    progress(summary);
  } else {
    writeFileSync(values.out, text);
    progress(`wrote ${values.out}: ${summary}`);
  }
  return 0;
}

function integerFlag(value: string, flag: string, min: number, max: number): number {
  const n = /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) throw new LocalRuntimeError(LocalErrorCode.USAGE, `${flag} takes a whole number ${min}..${max}, not '${value}'`);
  return n;
}
