import { z } from 'zod';
import { type BattleLog, type BattleLogLimits, battleLogSchema, DEFAULT_LIMITS } from './battle-log.ts';
import { BattleErrorCode, battleError } from './errors.ts';
import { fastBattleLog } from './fast-validate.ts';

const decoder = new TextDecoder('utf-8', { fatal: true });

/**
 * Bytes → a schema-valid battle log, cheapest checks first: size before JSON.parse, the action
 * count before schema validation. Every failure is a BattleError naming the field path. The
 * result has its keys in sorted order (see battle-log.ts), whichever validator accepted it.
 */
export function parseBattleLog(input: Uint8Array | string, limits: BattleLogLimits = DEFAULT_LIMITS): BattleLog {
  const bytes = typeof input === 'string' ? Buffer.byteLength(input) : input.byteLength;
  if (bytes > limits.maxBytes) {
    throw battleError(BattleErrorCode.BATTLE_TOO_LARGE, `Battle log is ${bytes} bytes, over the ${limits.maxBytes}-byte limit`, { bytes, maxBytes: limits.maxBytes });
  }
  let raw: unknown;
  try {
    raw = JSON.parse(typeof input === 'string' ? input : decoder.decode(input));
  } catch (error) {
    throw battleError(BattleErrorCode.BATTLE_MALFORMED, `Battle log is not valid JSON: ${(error as Error).message}`, {}, error);
  }
  const actions = (raw as { actions?: unknown } | null)?.actions;
  if (Array.isArray(actions) && actions.length > limits.maxActions) {
    throw battleError(BattleErrorCode.BATTLE_TOO_LARGE, `Battle log has ${actions.length} actions, over the ${limits.maxActions}-action limit`, {
      path: 'actions',
      actions: actions.length,
      maxActions: limits.maxActions,
    });
  }
  const log = fastBattleLog(raw) ?? schemaParse(raw);
  const duplicate = firstDuplicateId(log);
  if (duplicate) {
    throw schemaError([{ path: duplicate.path, message: `duplicate unit id '${duplicate.id}': ids must be unique across players and enemies`, code: 'custom' }]);
  }
  return log;
}

/** The schema itself: the judge of every log the fast path is not sure about, and the one that names what is wrong. */
function schemaParse(raw: unknown): BattleLog {
  const parsed = battleLogSchema.safeParse(raw);
  if (!parsed.success) throw schemaError(parsed.error.issues);
  return parsed.data;
}

type Issue = Pick<z.core.$ZodIssue, 'path' | 'message' | 'code'> & { keys?: readonly string[] };

const MAX_LISTED_ISSUES = 20;

function schemaError(issues: readonly Issue[]) {
  const listed = issues.slice(0, MAX_LISTED_ISSUES).map((issue) => {
    // An unknown key is reported on its object; naming the key itself is what a reader needs.
    const path = issue.code === 'unrecognized_keys' && issue.keys?.length === 1 ? [...issue.path, issue.keys[0]!] : issue.path;
    return { path: formatPath(path), message: issue.message };
  });
  const first = listed[0]!;
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more issue${issues.length > 2 ? 's' : ''})` : '';
  return battleError(BattleErrorCode.BATTLE_SCHEMA_INVALID, `Battle log field ${first.path}: ${first.message}${more}`, {
    path: first.path,
    issues: listed,
    ...(issues.length > MAX_LISTED_ISSUES ? { issuesTotal: issues.length } : {}),
  });
}

/** ['actions', 3, 't'] → `actions[3].t`; the root is `(root)`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out ? `.${String(part)}` : String(part);
  }
  return out || '(root)';
}

function firstDuplicateId(log: BattleLog): { id: string; path: (string | number)[] } | undefined {
  const seen = new Set<string>();
  for (let i = 0; i < log.players.length; i++) {
    const id = log.players[i]!.playerId;
    if (seen.has(id)) return { id, path: ['players', i, 'playerId'] };
    seen.add(id);
  }
  for (let i = 0; i < log.enemies.length; i++) {
    const id = log.enemies[i]!.unitId;
    if (seen.has(id)) return { id, path: ['enemies', i, 'unitId'] };
    seen.add(id);
  }
  return undefined;
}
