import { setTimeout as sleep } from 'node:timers/promises';
import { DynamoDBClient, GetItemCommand, TransactGetItemsCommand, TransactionCanceledException, TransactWriteItemsCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { GetObjectCommand, HeadObjectCommand, NoSuchKey, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { settleBattle } from '../../../functions/battle-settlement/core.ts';
import { SETTLEMENT_ERROR_CODES } from '../../../functions/battle-settlement/errors.ts';
import { SettlementEnv } from '../../../functions/battle-settlement/options.ts';
import { EnvName } from '../../../functions/shared/env-names.ts';
import { findLog } from './helpers.ts';

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

function record(receiveCount: number): SQSRecord {
  return {
    messageId: `m${receiveCount}`,
    receiptHandle: 'rh',
    body: JSON.stringify({
      Records: [
        {
          eventVersion: '2.1',
          eventSource: 'aws:s3',
          eventName: 'ObjectCreated:Put',
          eventTime: '2026-12-01T08:00:00.000Z',
          s3: { bucket: { name: 'ingest-bucket' }, object: { key: KEY, size: text.length, eTag: 'etag-1', sequencer: '0A' } },
        },
      ],
    }),
    attributes: { ApproximateReceiveCount: String(receiveCount), SentTimestamp: '0', SenderId: 's3', ApproximateFirstReceiveTimestamp: '0' },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:work',
    awsRegion: 'us-east-1',
  };
}

const puts = () => s3.commandCalls(PutObjectCommand).map((c) => String(c.args[0].input.Key));

beforeAll(async () => {
  vi.stubEnv(EnvName.RESULTS_BUCKET, 'results-bucket');
  vi.stubEnv(
    EnvName.PIPELINE_CONTRACT,
    JSON.stringify({ id: 'settlement', ingestPrefix: 'battles/', outputPrefix: 'settlement/', resultDocument: 'settlement.json', errorCodes: SETTLEMENT_ERROR_CODES, acceptsJsonTasks: true }),
  );
  vi.stubEnv(EnvName.TIME_BUDGET_MS, String(BUDGET_MS));
  vi.stubEnv(EnvName.PIPELINE_SETTINGS, JSON.stringify({ limits: { maxInputBytes: 64 * 1024, maxActions: 5000 }, allowedRulesetVersions: ['1'] }));
  vi.stubEnv(SettlementEnv.SETTLEMENTS_TABLE, 'settlements');
  vi.stubEnv(SettlementEnv.LEDGER_TABLE, 'ledger');
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

  it('still fails the battle with BATTLE_PROCESSING_TIMEOUT when the budget ran out before any grant was sent', async () => {
    // The balances read is the first DynamoDB call only after a grant; here the read of the upload itself is slow.
    s3.on(GetObjectCommand, { Bucket: 'ingest-bucket', Key: KEY }).callsFake(async () => {
      await sleep(BUDGET_MS * 2);
      return { ContentLength: text.length, Body: { transformToByteArray: async () => new Uint8Array(Buffer.from(text)), transformToString: async () => text } as never };
    });
    const response = await handler({ Records: [record(1)] }, context);
    expect(response.batchItemFailures).toEqual([]);
    expect(ddb.commandCalls(TransactWriteItemsCommand)).toHaveLength(0);
    const failure = s3.commandCalls(PutObjectCommand).find((c) => String(c.args[0].input.Key).startsWith('failures/'));
    expect(String(failure!.args[0].input.Body)).toContain('BATTLE_PROCESSING_TIMEOUT');
  });
});
