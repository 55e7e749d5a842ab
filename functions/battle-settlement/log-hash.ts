import { hash } from 'node:crypto';
import type { BattleLog } from './battle-log.ts';

/**
 * The canonical JSON of a log as parseBattleLog returns it. The schema declares every key in
 * sorted order and zod builds its output in that order (absent optional keys left out), so
 * JSON.stringify already gives canonicalJson's bytes — without walking and sorting 10 000
 * actions' keys again. A test holds the two byte-identical; pass only parsed logs here.
 */
export function canonicalBattleLog(parsed: BattleLog): string {
  return JSON.stringify(parsed);
}

/** sha256 (hex) of the log's canonical JSON: formatting and key order of the input do not change it. */
export function battleLogHash(parsed: BattleLog): string {
  return hash('sha256', canonicalBattleLog(parsed), 'hex');
}
