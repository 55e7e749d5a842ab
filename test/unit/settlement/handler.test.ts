import {
  DynamoDBClient,
  GetItemCommand,
  TransactGetItemsCommand,
  TransactionCanceledException,
  TransactWriteItemsCommand,
  UpdateItemCommand,
  ConditionalCheckFailedException,
  type AttributeValue,
} from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, NoSuchKey, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { BattleLog } from '../../../functions/battle-settlement/battle-log.ts';
import { settleBattle } from '../../../functions/battle-settlement/core.ts';
import { grantRequestToken } from '../../../functions/battle-settlement/settlement-store.ts';
import { copy, findLog, stubSettlementHandlerEnv } from './helpers.ts';
import { s3NotificationRecord } from '../../fixtures/sqs-s3-record.ts';

const s3 = mockClient(S3Client);
const ddb = mockClient(DynamoDBClient);
const eventBridge = mockClient(EventBridgeClient);
type Handler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;
let handler: Handler;
const context = { awsRequestId: 'req-1', functionName: 'settle', getRemainingTimeInMillis: () => 30_000 } as unknown as Context;

/** A won battle of two players with at least one drop, so every part of the grant shows. */
const victory: BattleLog = findLog((log) => {
  if (log.claimed.result !== 'victory' || log.players.length !== 2) return false;
  return settleBattle(JSON.stringify(log)).grants.some((g) => Object.keys(g.items).length > 0);
});
const victoryText = JSON.stringify(victory);
const settled = settleBattle(victoryText);

const record = (messageId: string, key: string, sequencer = '0A', eTag = 'etag-1') => s3NotificationRecord({ messageId, key, sequencer, eTag });

function upload(key: string, text: string, contentLength = Buffer.byteLength(text)) {
  s3.on(GetObjectCommand, { Bucket: 'ingest-bucket', Key: key }).resolves({
    ContentLength: contentLength,
    Body: {
      transformToByteArray: async () => new Uint8Array(Buffer.from(text)),
      transformToString: async () => text,
      transformToWebStream: () => new ReadableStream(),
    } as never,
  });
}

function putBody(key: string): string {
  const put = s3.commandCalls(PutObjectCommand).find((c) => c.args[0].input.Key === key);
  expect(put, `expected a PutObject of ${key}`).toBeDefined();
  return String(put!.args[0].input.Body);
}

function ledgerItem(playerId: string, xp: number, gold: number, items: Record<string, number>): Record<string, AttributeValue> {
  return {
    playerId: { S: playerId },
    xp: { N: String(xp) },
    gold: { N: String(gold) },
    ...Object.fromEntries(Object.entries(items).map(([id, n]) => [`item:${id}`, { N: String(n) }])),
  };
}

const balancesAfter = victory.players.map((p, i) => ledgerItem(p.playerId, 1000 + i, 50 + i, { 'test-gem': i + 1 }));

function storedRecord(overrides: Partial<Record<string, AttributeValue>> = {}): Record<string, AttributeValue> {
  return {
    battleId: { S: victory.battleId },
    inputHash: { S: settled.inputHash },
    taskKey: { S: 'battles/first.json' },
    taskMark: { S: '01' },
    settledAt: { S: '2026-12-01T07:00:00.000Z' },
    balances: { S: JSON.stringify(victory.players.map((p, i) => [p.playerId, { xp: 1000 + i, gold: 50 + i, items: { 'test-gem': i + 1 } }])) },
    ...overrides,
  } as Record<string, AttributeValue>;
}

const cancelled = (...codes: string[]) =>
  new TransactionCanceledException({
    message: 'Transaction cancelled',
    $metadata: { httpStatusCode: 400 },
    CancellationReasons: codes.map((Code) => ({ Code })),
  });

beforeAll(async () => {
  stubSettlementHandlerEnv({ busName: 'media-kit' });
  ({ handler } = await import('../../../functions/battle-settlement/handler.ts'));
});

beforeEach(() => {
  s3.reset();
  ddb.reset();
  eventBridge.reset();
  s3.on(HeadObjectCommand).resolves({});
  s3.on(PutObjectCommand).resolves({});
  s3.on(DeleteObjectCommand).resolves({});
  s3.on(GetObjectCommand, { Bucket: 'results-bucket' }).rejects(new NoSuchKey({ message: 'missing', $metadata: { httpStatusCode: 404 } }));
  eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e-1' }] });
  ddb.on(TransactGetItemsCommand).resolves({ Responses: balancesAfter.map((Item) => ({ Item })) });
  ddb.on(UpdateItemCommand).resolves({});
});

describe('settlement handler', () => {
  it('grants in one transaction: the record conditional on absence, one ADD per player, a token of battleId + inputHash', async () => {
    upload('battles/b.json', victoryText);
    ddb.on(TransactWriteItemsCommand).resolves({});
    const response = await handler({ Records: [record('m1', 'battles/b.json')] }, context);
    expect(response.batchItemFailures).toEqual([]);

    const calls = ddb.commandCalls(TransactWriteItemsCommand);
    expect(calls).toHaveLength(1);
    const input = calls[0]!.args[0].input;
    expect(input.ClientRequestToken).toBe(grantRequestToken(victory.battleId, settled.inputHash));
    expect(input.ClientRequestToken).toHaveLength(36);
    const [put, ...updates] = input.TransactItems!;
    expect(put!.Put).toMatchObject({
      TableName: 'settlements',
      ConditionExpression: 'attribute_not_exists(battleId)',
      Item: { battleId: { S: victory.battleId }, inputHash: { S: settled.inputHash }, taskKey: { S: 'battles/b.json' }, taskMark: { S: '0A' }, settledAt: { S: '2026-12-01T08:00:00.000Z' } },
    });
    expect(updates).toHaveLength(victory.players.length);
    for (const [i, grant] of settled.grants.entries()) {
      const update = updates[i]!.Update!;
      expect(update.TableName).toBe('ledger');
      expect(update.Key).toEqual({ playerId: { S: grant.playerId } });
      expect(update.UpdateExpression).toMatch(/^ADD xp :xp, gold :gold, battles :one/);
      expect(update.ExpressionAttributeValues![':xp']).toEqual({ N: String(grant.xp) });
      expect(update.ExpressionAttributeValues![':gold']).toEqual({ N: String(grant.gold) });
      const itemNames = Object.values(update.ExpressionAttributeNames ?? {});
      expect(itemNames.sort()).toEqual(Object.keys(grant.items).map((id) => `item:${id}`).sort());
      expect(update.ConditionExpression).toBeUndefined();
    }
    expect(settled.grants.some((g) => g.xp > 0)).toBe(true);

    // The balances read after the grant are recorded once on the settlement record and shown in the document.
    const balanceWrite = ddb.commandCalls(UpdateItemCommand)[0]!.args[0].input;
    expect(balanceWrite.ConditionExpression).toBe('attribute_exists(battleId) AND attribute_not_exists(balances)');
    const document = JSON.parse(putBody('settlement/b.json/settlement.json'));
    expect(document.status).toBe('settled');
    expect(document.inputHash).toBe(settled.inputHash);
    expect(document.players.map((p: { ledger: unknown }) => p.ledger)).toEqual(victory.players.map((_, i) => ({ xp: 1000 + i, gold: 50 + i, items: { 'test-gem': i + 1 } })));

    const entry = eventBridge.commandCalls(PutEventsCommand)[0]!.args[0].input.Entries![0]!;
    expect(entry).toMatchObject({ EventBusName: 'media-kit', Source: 'media-kit', DetailType: 'Battle Settled' });
    const detail = JSON.parse(entry.Detail!);
    expect(detail).toMatchObject({ pipeline: 'settlement', battleId: victory.battleId, status: 'settled', winner: 'players', rulesetVersion: '1', season: document.season });
    expect(detail.players).toEqual(settled.grants.map((g, i) => ({ playerId: g.playerId, xp: g.xp, xpTotal: 1000 + i })));
    expect(entry.Detail).not.toContain('actions');
    expect(s3.commandCalls(PutObjectCommand)).toHaveLength(1);
  });

  it('answers a redelivery of the same log as duplicate: nothing granted, the recorded balances, the same bytes', async () => {
    upload('battles/b.json', victoryText);
    ddb.on(TransactWriteItemsCommand).resolves({});
    await handler({ Records: [record('m1', 'battles/b.json')] }, context);
    const first = JSON.parse(putBody('settlement/b.json/settlement.json'));

    s3.resetHistory();
    ddb.resetHistory();
    upload('battles/b-2.json', victoryText);
    ddb.on(TransactWriteItemsCommand).rejects(cancelled('ConditionalCheckFailed', 'None', 'None'));
    ddb.on(GetItemCommand).resolves({ Item: storedRecord() });
    const response = await handler({ Records: [record('m2', 'battles/b-2.json', '0B')] }, context);
    expect(response.batchItemFailures).toEqual([]);
    const second = JSON.parse(putBody('settlement/b-2.json/settlement.json'));
    expect(second).toEqual({ ...first, status: 'duplicate' });
    expect(ddb.commandCalls(UpdateItemCommand)).toHaveLength(0);
    expect(ddb.commandCalls(TransactGetItemsCommand)).toHaveLength(0);
    expect(ddb.commandCalls(GetItemCommand)[0]!.args[0].input.ConsistentRead).toBe(true);
    expect(JSON.parse(eventBridge.commandCalls(PutEventsCommand).at(-1)!.args[0].input.Entries![0]!.Detail!).status).toBe('duplicate');
  });

  it('treats a token answered with other parameters (a second task inside the window) as an existing record', async () => {
    upload('battles/b-2.json', victoryText);
    ddb.on(TransactWriteItemsCommand).rejects(Object.assign(new Error('mismatch'), { name: 'IdempotentParameterMismatchException' }));
    ddb.on(GetItemCommand).resolves({ Item: storedRecord() });
    await handler({ Records: [record('m2', 'battles/b-2.json', '0B')] }, context);
    expect(JSON.parse(putBody('settlement/b-2.json/settlement.json')).status).toBe('duplicate');
  });

  it('fails a different log reusing a settled battleId with BATTLE_CONFLICT, granting nothing', async () => {
    // Another honest fight under the same battleId: it settles on its own, but the id is taken.
    const other = { ...findLog((log) => log.seed !== victory.seed, {}, victory.seed + 1), battleId: victory.battleId };
    const otherText = JSON.stringify(other);
    expect(settleBattle(otherText).inputHash).not.toBe(settled.inputHash);
    upload('battles/c.json', otherText);
    ddb.on(TransactWriteItemsCommand).rejects(cancelled('ConditionalCheckFailed', 'None', 'None'));
    ddb.on(GetItemCommand).resolves({ Item: storedRecord() });
    const response = await handler({ Records: [record('m3', 'battles/c.json')] }, context);
    expect(response.batchItemFailures).toEqual([]);
    const failure = JSON.parse(putBody('failures/battles/c.json.json'));
    expect(failure).toMatchObject({ pipeline: 'settlement', code: 'BATTLE_CONFLICT', details: { battleId: victory.battleId, settledInputHash: settled.inputHash, settledBy: 'battles/first.json' } });
    expect(ddb.commandCalls(UpdateItemCommand)).toHaveLength(0);
    expect(s3.commandCalls(PutObjectCommand).map((c) => c.args[0].input.Key)).toEqual(['failures/battles/c.json.json']);
    expect(eventBridge.commandCalls(PutEventsCommand)).toHaveLength(0);
  });

  it('settles again (not duplicate) when the record is this very task: a redelivery after its grant committed', async () => {
    upload('battles/first.json', victoryText);
    ddb.on(TransactWriteItemsCommand).rejects(cancelled('ConditionalCheckFailed', 'None', 'None'));
    ddb.on(GetItemCommand).resolves({ Item: storedRecord({ balances: undefined }) });
    await handler({ Records: [record('m4', 'battles/first.json', '01')] }, context);
    const document = JSON.parse(putBody('settlement/first.json/settlement.json'));
    expect(document.status).toBe('settled');
    // It finishes what the crashed attempt began: balances read and recorded.
    expect(ddb.commandCalls(TransactGetItemsCommand)).toHaveLength(1);
    expect(ddb.commandCalls(UpdateItemCommand)).toHaveLength(1);
  });

  it('records the balances itself when the first settlement has not yet: a duplicate never waits', async () => {
    upload('battles/b-2.json', victoryText);
    ddb.on(TransactWriteItemsCommand).rejects(cancelled('ConditionalCheckFailed', 'None', 'None'));
    ddb.on(GetItemCommand).resolves({ Item: storedRecord({ balances: undefined }) });
    const response = await handler({ Records: [record('m5', 'battles/b-2.json', '0B')] }, context);
    expect(response.batchItemFailures).toEqual([]);
    expect(ddb.commandCalls(UpdateItemCommand)[0]!.args[0].input.ConditionExpression).toBe('attribute_exists(battleId) AND attribute_not_exists(balances)');
    const document = JSON.parse(putBody('settlement/b-2.json/settlement.json'));
    expect(document.status).toBe('duplicate');
    expect(document.players[1].ledger).toEqual({ xp: 1001, gold: 51, items: { 'test-gem': 2 } });
  });

  it('retries a transaction that conflicted with another one, then grants', async () => {
    upload('battles/b.json', victoryText);
    ddb.on(TransactWriteItemsCommand).rejectsOnce(cancelled('None', 'TransactionConflict', 'None')).resolves({});
    const response = await handler({ Records: [record('m6', 'battles/b.json')] }, context);
    expect(response.batchItemFailures).toEqual([]);
    expect(ddb.commandCalls(TransactWriteItemsCommand)).toHaveLength(2);
    const [a, b] = ddb.commandCalls(TransactWriteItemsCommand).map((c) => c.args[0].input);
    expect(b).toEqual(a);
    expect(JSON.parse(putBody('settlement/b.json/settlement.json')).status).toBe('settled');
  });

  it('records the balances an earlier attempt stored when another attempt recorded them first', async () => {
    upload('battles/b.json', victoryText);
    ddb.on(TransactWriteItemsCommand).resolves({});
    ddb.on(UpdateItemCommand).rejects(new ConditionalCheckFailedException({ message: 'exists', $metadata: {} }));
    ddb.on(GetItemCommand).resolves({ Item: storedRecord() });
    await handler({ Records: [record('m7', 'battles/b.json')] }, context);
    const document = JSON.parse(putBody('settlement/b.json/settlement.json'));
    expect(document.players[0].ledger).toEqual({ xp: 1000, gold: 50, items: { 'test-gem': 1 } });
  });

  it('rejects a flipped result with a failure record listing the reasons, touching no table', async () => {
    const flipped = copy(victory);
    flipped.claimed.result = 'defeat';
    upload('battles/flipped.json', JSON.stringify(flipped));
    const response = await handler({ Records: [record('m8', 'battles/flipped.json')] }, context);
    expect(response.batchItemFailures).toEqual([]);
    const failure = JSON.parse(putBody('failures/battles/flipped.json.json'));
    expect(failure.code).toBe('BATTLE_CHEAT_RESULT');
    expect(failure.details.reasons.map((r: { code: string }) => r.code)).toContain('BATTLE_CHEAT_RESULT');
    expect(failure.details.reasons[0]).toMatchObject({ path: 'claimed.result' });
    expect(ddb.calls()).toHaveLength(0);
    expect(eventBridge.calls()).toHaveLength(0);
  });

  it('refuses a log over the byte limit from its Content-Length, before reading the body', async () => {
    const read = vi.fn(async () => new Uint8Array());
    s3.on(GetObjectCommand, { Bucket: 'ingest-bucket', Key: 'battles/huge.json' }).resolves({
      ContentLength: 10 * 1024 * 1024,
      Body: { transformToByteArray: read, transformToWebStream: () => new ReadableStream() } as never,
    });
    await handler({ Records: [record('m9', 'battles/huge.json')] }, context);
    const failure = JSON.parse(putBody('failures/battles/huge.json.json'));
    expect(failure).toMatchObject({ code: 'BATTLE_TOO_LARGE', details: { bytes: 10 * 1024 * 1024, maxBytes: 64 * 1024 } });
    expect(read).not.toHaveBeenCalled();
    expect(ddb.calls()).toHaveLength(0);
  });

  it('names the field of a schema violation and refuses a ruleset the deployment does not allow', async () => {
    const bad = copy(victory) as unknown as { actions: { t: unknown }[] };
    bad.actions[0]!.t = 'soon';
    upload('battles/bad.json', JSON.stringify(bad));
    const other = { ...copy(victory), rulesetVersion: '9' };
    upload('battles/v9.json', JSON.stringify(other));
    await handler({ Records: [record('m10', 'battles/bad.json'), record('m11', 'battles/v9.json')] }, context);
    expect(JSON.parse(putBody('failures/battles/bad.json.json'))).toMatchObject({ code: 'BATTLE_SCHEMA_INVALID' });
    expect(JSON.parse(putBody('failures/battles/bad.json.json')).message).toContain('actions[0].t');
    expect(JSON.parse(putBody('failures/battles/v9.json.json'))).toMatchObject({ code: 'BATTLE_RULESET_UNKNOWN' });
  });

  it('takes a POST /tasks key (battles/<taskId>.json) like any upload', async () => {
    const key = 'battles/01JDX3B2Q7ZK1T9V5Y8N4M6W2C.json';
    upload(key, victoryText);
    ddb.on(TransactWriteItemsCommand).resolves({});
    await handler({ Records: [record('m12', key)] }, context);
    expect(JSON.parse(putBody('settlement/01JDX3B2Q7ZK1T9V5Y8N4M6W2C.json/settlement.json')).status).toBe('settled');
  });

  it('retries (never records a failure) when DynamoDB itself fails', async () => {
    upload('battles/b.json', victoryText);
    ddb.on(TransactWriteItemsCommand).rejects(Object.assign(new Error('throttled'), { name: 'ProvisionedThroughputExceededException' }));
    const response = await handler({ Records: [record('m13', 'battles/b.json')] }, context);
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'm13' }]);
    expect(s3.commandCalls(PutObjectCommand)).toHaveLength(0);
  });
});
