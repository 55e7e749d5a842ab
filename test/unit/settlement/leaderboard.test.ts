import { DynamoDBClient, TransactionCanceledException, TransactWriteItemsCommand } from '@aws-sdk/client-dynamodb';
import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { leaderboardUpdateOf } from '../../../functions/leaderboard/core.ts';
import { LEADERBOARD_TABLE_ENV } from '../../../functions/leaderboard/env.ts';
import { leaderboardTransaction } from '../../../functions/leaderboard/leaderboard-store.ts';

const ddb = mockClient(DynamoDBClient);
let handler: (event: SQSEvent, context: Context) => Promise<{ batchItemFailures: { itemIdentifier: string }[] }>;
const context = { awsRequestId: 'r', functionName: 'leaderboard', getRemainingTimeInMillis: () => 10_000 } as unknown as Context;

const event = (overrides: Record<string, unknown> = {}) => ({
  version: '0',
  id: 'e-1',
  'detail-type': 'Battle Settled',
  source: 'media-kit',
  detail: {
    pipeline: 'settlement',
    battleId: 'b-1',
    status: 'settled',
    winner: 'players',
    rulesetVersion: '1',
    season: '2026-s1',
    players: [
      { playerId: 'p1', xp: 120, xpTotal: 500 },
      { playerId: 'p2', xp: 120, xpTotal: 300 },
    ],
    ...overrides,
  },
});

const record = (id: string, body: unknown): SQSRecord =>
  ({ messageId: id, receiptHandle: id, body: typeof body === 'string' ? body : JSON.stringify(body), attributes: { ApproximateReceiveCount: '1' } }) as unknown as SQSRecord;

beforeAll(async () => {
  vi.stubEnv(LEADERBOARD_TABLE_ENV, 'leaderboard');
  ({ handler } = await import('../../../functions/leaderboard/handler.ts'));
});
beforeEach(() => ddb.reset());

describe('leaderboard core', () => {
  it('turns a Battle Settled event into per-player wins and xp of its season', () => {
    expect(leaderboardUpdateOf(JSON.stringify(event()))).toEqual({
      season: '2026-s1',
      battleId: 'b-1',
      players: [
        { playerId: 'p1', wins: 1, xp: 120 },
        { playerId: 'p2', wins: 1, xp: 120 },
      ],
    });
    expect(leaderboardUpdateOf(JSON.stringify(event({ winner: 'enemies' }))).players.every((p) => p.wins === 0)).toBe(true);
  });

  it('names the field of an event that is not a Battle Settled one', () => {
    expect(() => leaderboardUpdateOf('nope')).toThrow(/LEADERBOARD_EVENT_INVALID: the message is not JSON/);
    expect(() => leaderboardUpdateOf(JSON.stringify(event({ season: undefined })))).toThrow(/detail\.season/);
    expect(() => leaderboardUpdateOf(JSON.stringify({ ...event(), 'detail-type': 'Task Failed' }))).toThrow(/detail-type/);
  });

  it('counts a battle once: a marker conditional on absence, then each player ADD', () => {
    const tx = leaderboardTransaction('leaderboard', leaderboardUpdateOf(JSON.stringify(event())));
    expect(tx.TransactItems![0]!.Put).toEqual({
      TableName: 'leaderboard',
      Item: { season: { S: '2026-s1' }, entry: { S: 'battle#b-1' } },
      ConditionExpression: 'attribute_not_exists(entry)',
    });
    expect(tx.TransactItems!.slice(1).map((i) => i.Update!.Key)).toEqual([
      { season: { S: '2026-s1' }, entry: { S: 'player#p1' } },
      { season: { S: '2026-s1' }, entry: { S: 'player#p2' } },
    ]);
    expect(tx.TransactItems![1]!.Update!.ExpressionAttributeValues).toEqual({ ':w': { N: '1' }, ':xp': { N: '120' }, ':one': { N: '1' } });
  });
});

describe('leaderboard handler', () => {
  it('acknowledges a redelivered battle (marker present) without counting it again', async () => {
    ddb
      .on(TransactWriteItemsCommand)
      .resolvesOnce({})
      .rejects(new TransactionCanceledException({ message: 'c', $metadata: {}, CancellationReasons: [{ Code: 'ConditionalCheckFailed' }, { Code: 'None' }, { Code: 'None' }] }));
    const first = await handler({ Records: [record('a', event())] }, context);
    const again = await handler({ Records: [record('b', event()), record('c', event({ status: 'duplicate' }))] }, context);
    expect(first.batchItemFailures).toEqual([]);
    expect(again.batchItemFailures).toEqual([]);
    expect(ddb.commandCalls(TransactWriteItemsCommand)).toHaveLength(3);
  });

  it('leaves a malformed event and a DynamoDB failure for the queue (retry, then its DLQ)', async () => {
    ddb.on(TransactWriteItemsCommand).rejects(Object.assign(new Error('down'), { name: 'InternalServerError' }));
    const response = await handler({ Records: [record('x', 'not json'), record('y', event())] }, context);
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'x' }, { itemIdentifier: 'y' }]);
  });
});
