import { TransactWriteItemsCommand, type DynamoDBClient, type TransactWriteItemsCommandInput } from '@aws-sdk/client-dynamodb';
import { battleMarker, playerEntry, type LeaderboardUpdate } from './core.ts';

/**
 * Leaderboard table: pk `season`, sk `entry` (`player#<id>`: wins, xp, battles; `battle#<id>`:
 * the marker). One transaction per battle: the marker (condition: absent) + each player's ADD,
 * so a battle counts once however often its event arrives.
 */
export function leaderboardTransaction(table: string, update: LeaderboardUpdate): TransactWriteItemsCommandInput {
  return {
    TransactItems: [
      {
        Put: {
          TableName: table,
          Item: { season: { S: update.season }, entry: { S: battleMarker(update.battleId) } },
          ConditionExpression: 'attribute_not_exists(entry)',
        },
      },
      ...update.players.map((p) => ({
        Update: {
          TableName: table,
          Key: { season: { S: update.season }, entry: { S: playerEntry(p.playerId) } },
          UpdateExpression: 'ADD wins :w, xp :xp, battles :one',
          ExpressionAttributeValues: { ':w': { N: String(p.wins) }, ':xp': { N: String(p.xp) }, ':one': { N: '1' } },
        },
      })),
    ],
  };
}

/** `counted` now, or `already-counted` (the marker exists: a redelivered or duplicate event). */
export async function applyLeaderboardUpdate(ddb: DynamoDBClient, table: string, update: LeaderboardUpdate): Promise<'counted' | 'already-counted'> {
  try {
    await ddb.send(new TransactWriteItemsCommand(leaderboardTransaction(table, update)));
    return 'counted';
  } catch (error) {
    const reasons = (error as { name?: string; CancellationReasons?: { Code?: string }[] }).CancellationReasons;
    if ((error as { name?: string }).name === 'TransactionCanceledException' && reasons?.[0]?.Code === 'ConditionalCheckFailed') return 'already-counted';
    throw error;
  }
}
