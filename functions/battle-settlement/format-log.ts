import type { BattleLog } from './battle-log.ts';

/**
 * A log as people read it: one field per line, one action per line (a 10 000-action log stays
 * compact and diffs line by line). `battleId` comes first, which is how content routing spots a
 * battle log from its first bytes.
 */
export function formatBattleLog(log: BattleLog): string {
  const line = (value: unknown) => JSON.stringify(value);
  const list = (items: readonly unknown[]) => (items.length === 0 ? '[]' : `[\n    ${items.map(line).join(',\n    ')}\n  ]`);
  return [
    '{',
    `  "battleId": ${line(log.battleId)},`,
    `  "rulesetVersion": ${line(log.rulesetVersion)},`,
    `  "seed": ${log.seed},`,
    `  "players": ${list(log.players)},`,
    `  "enemies": ${list(log.enemies)},`,
    `  "actions": ${list(log.actions)},`,
    `  "claimed": ${line(log.claimed)}`,
    '}',
    '',
  ].join('\n');
}
