import { setTimeout as sleep } from 'node:timers/promises';
import { DynamoDBClient, GetItemCommand, TransactGetItemsCommand, TransactionCanceledException, TransactWriteItemsCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { GetObjectCommand, HeadObjectCommand, NoSuchKey, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { settleBattle } from '../../../functions/battle-settlement/core.ts';
import { findLog, stubSettlementHandlerEnv } from './helpers.ts';
import { s3NotificationRecord } from '../../fixtures/sqs-s3-record.ts';

/** A budget small enough that a slow DynamoDB outlives it: what happens to a grant that may have committed. */
const BUDGET_MS = 300;
const s3 = mockClient(S3Client);
const ddb = mockClient(DynamoDBClient);
const eventBridge = mockClient(EventBridgeClient);
let handler: (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;
const context = { awsRequestId: 'req-1', functionName: 'settle', getRemainingTimeInMillis: () => 30_000 } as unknown as Context;

const log = findLog((l) => l.claimed.result === 'victory');
const text = JSON.stringify(log);
const settled = settleBattle(text);
const KEY = 'battles/slow.json';

const record = (receiveCount: number) => s3NotificationRecord({ messageId: `m${receiveCount}`, key: KEY, size: text.length, receiveCount });

const puts = () => s3.commandCalls(PutObjectCommand).map((c) => String(c.args[0].input.Key));

beforeAll(async () => {
  stubSettlementHandlerEnv({ timeBudgetMs: BUDGET_MS });
  ({ handler } = await import('../../../functions/battle-settlement/handler.ts'));
});

beforeEach(() => {
  s3.reset();
  ddb.reset();
  eventBridge.reset();
  s3.on(HeadObjectCommand).resolves({});
  s3.on(PutObjectCommand).resolves({});
  s3.on(GetObjectCommand, { Bucket: 'results-bucket' }).rejects(new NoSuchKey({ message: 'missing', $metadata: { httpStatusCode: 404 } }));
  s3.on(GetObjectCommand, { Bucket: 'ingest-bucket', Key: KEY }).resolves({
    ContentLength: text.length,
    Body: { transformToByteArray: async () => new Uint8Array(Buffer.from(text)), transformToString: async () => text, transformToWebStream: () => new ReadableStream() } as never,
  });
  ddb.on(TransactGetItemsCommand).resolves({ Responses: log.players.map((p) => ({ Item: { playerId: { S: p.playerId }, xp: { N: '10' }, gold: { N: '1' } } })) });
  ddb.on(UpdateItemCommand).resolves({});
});

describe('settlement handler: the budget runs out after the grant was sent', () => {
  it('retries instead of failing the battle, and the retry settles it from its own record', async () => {
    // The transaction commits, but its answer comes after the budget: the outcome is unknown to this attempt.
    ddb.on(TransactWriteItemsCommand).callsFake(async () => {
      await sleep(BUDGET_MS * 2);
      return {};
    });
    const first = await handler({ Records: [record(1)] }, context);
    expect(first.batchItemFailures).toEqual([{ itemIdentifier: 'm1' }]);
    // No failure record: BATTLE_PROCESSING_TIMEOUT would have been a permanent verdict on a granted battle.
    expect(puts().filter((k) => k.startsWith('failures/'))).toEqual([]);

    // The redelivery finds the record this very task wrote, so it is settled (not a duplicate) and writes the document.
    ddb.on(TransactWriteItemsCommand).rejects(
      new TransactionCanceledException({ message: 'cancelled', $metadata: {}, CancellationReasons: [{ Code: 'ConditionalCheckFailed' }, ...log.players.map(() => ({ Code: 'None' }))] }),
    );
    ddb.on(GetItemCommand).resolves({
      Item: { battleId: { S: log.battleId }, inputHash: { S: settled.inputHash }, taskKey: { S: KEY }, taskMark: { S: '0A' }, settledAt: { S: '2026-12-01T08:00:00.000Z' } },
    });
    const second = await handler({ Records: [record(2)] }, context);
    expect(second.batchItemFailures).toEqual([]);
    const document = s3.commandCalls(PutObjectCommand).find((c) => c.args[0].input.Key === 'settlement/slow.json/settlement.json');
    expect(JSON.parse(String(document!.args[0].input.Body)).status).toBe('settled');
  });

  it.each([
    // The read leaves less than the grant's reserve (a fifth of the budget) but does not exhaust it.
    ['too little budget is left after the replay for its grant', 0.9],
    // The read itself outlives the budget.
    ['the budget ran out before any grant was sent', 2],
  ])('fails the battle with BATTLE_PROCESSING_TIMEOUT, granting nothing, when %s', async (_case, readFraction) => {
    s3.on(GetObjectCommand, { Bucket: 'ingest-bucket', Key: KEY }).callsFake(async () => {
      await sleep(BUDGET_MS * readFraction);
      return { ContentLength: text.length, Body: { transformToByteArray: async () => new Uint8Array(Buffer.from(text)), transformToString: async () => text } as never };
    });
    const response = await handler({ Records: [record(1)] }, context);
    expect(response.batchItemFailures).toEqual([]);
    expect(ddb.commandCalls(TransactWriteItemsCommand)).toHaveLength(0);
    const failure = s3.commandCalls(PutObjectCommand).find((c) => String(c.args[0].input.Key).startsWith('failures/'));
    expect(String(failure!.args[0].input.Body)).toContain('BATTLE_PROCESSING_TIMEOUT');
  });
});
