import { z } from 'zod';
import { BATTLE_SETTLED } from '../battle-settlement/settled-event.ts';

/**
 * The leaderboard consumer's pure core: a `Battle Settled` event (as EventBridge delivers it to
 * the leaderboard queue) → the counters one battle adds to its season. No AWS here.
 */

const battleSettledEventSchema = z.object({
  'detail-type': z.literal(BATTLE_SETTLED),
  source: z.literal('media-kit'),
  detail: z.object({
    battleId: z.string().min(1).max(128),
    status: z.enum(['settled', 'duplicate']),
    winner: z.enum(['players', 'enemies']),
    season: z.string().min(1).max(32),
    players: z.array(z.object({ playerId: z.string().min(1).max(64), xp: z.number().int().nonnegative() })).min(1).max(64),
  }),
});

/** What one battle adds to the leaderboard of its season, per player. */
export interface LeaderboardUpdate {
  readonly season: string;
  readonly battleId: string;
  readonly players: readonly { readonly playerId: string; readonly wins: 0 | 1; readonly xp: number }[];
}

export class LeaderboardEventError extends Error {
  override readonly name = 'LeaderboardEventError';
  readonly code = 'LEADERBOARD_EVENT_INVALID';
}

/** Parses a delivered event (the SQS body); a body that is not a `Battle Settled` event names its field. */
export function leaderboardUpdateOf(body: string): LeaderboardUpdate {
  let raw: unknown;
  try {
    raw = JSON.parse(body);
  } catch {
    throw new LeaderboardEventError('LEADERBOARD_EVENT_INVALID: the message is not JSON');
  }
  const parsed = battleSettledEventSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new LeaderboardEventError(`LEADERBOARD_EVENT_INVALID: ${issue.path.join('.') || '(event)'}: ${issue.message}`);
  }
  const { detail } = parsed.data;
  const wins = detail.winner === 'players' ? 1 : 0;
  return { season: detail.season, battleId: detail.battleId, players: detail.players.map((p) => ({ playerId: p.playerId, wins, xp: p.xp })) };
}

/** Sort key of the marker that a battle was counted (its presence makes a redelivery a no-op). */
export const battleMarker = (battleId: string) => `battle#${battleId}`;
/** Sort key of a player's counters in a season. */
export const playerEntry = (playerId: string) => `player#${playerId}`;
