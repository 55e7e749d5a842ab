import { DescribeTimeToLiveCommand, DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, describe, expect, it } from 'vitest';
import { LocalRuntime } from '../../../lib/local/runtime.ts';
import { removeTempDirs, writeTinyAssembly } from './fixtures/tiny-assembly.ts';

afterAll(removeTempDirs);

const KEYS = { KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }], AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }], BillingMode: 'PAY_PER_REQUEST' };

/** The settlement engine's grant, as a function would send it through the runtime's endpoint. */
const SETTLER = `
  const { DynamoDBClient, TransactWriteItemsCommand } = require('@aws-sdk/client-dynamodb');
  const db = new DynamoDBClient({ maxAttempts: 1 });
  exports.handler = async (event) => {
    try {
      await db.send(new TransactWriteItemsCommand({ TransactItems: [
        { Put: { TableName: process.env.SETTLEMENTS, Item: { pk: { S: event.battleId } }, ConditionExpression: 'attribute_not_exists(pk)' } },
        { Update: { TableName: process.env.LEDGER, Key: { pk: { S: event.player } }, UpdateExpression: 'ADD xp :xp, gold :gold SET lastBattle = :b',
            ExpressionAttributeValues: { ':xp': { N: '100' }, ':gold': { N: '7' }, ':b': { S: event.battleId } } } },
      ] }));
      return { granted: true };
    } catch (error) {
      return { granted: false, error: error.name, reasons: (error.CancellationReasons || []).map((r) => r.Code) };
    }
  };`;

describe('DynamoDB in the local runtime', () => {
  it('serves transactions to functions and applies the TTL of the template', async () => {
    const dir = writeTinyAssembly({
      functions: [{ logicalId: 'Settler', source: SETTLER, environment: { SETTLEMENTS: { Ref: 'Settlements' }, LEDGER: { Ref: 'Ledger' } } }],
      resources: {
        Settlements: { Type: 'AWS::DynamoDB::Table', Properties: { ...KEYS, TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true } } },
        Ledger: { Type: 'AWS::DynamoDB::Table', Properties: KEYS },
      },
    });
    const runtime = await LocalRuntime.start({ assemblyDirectory: dir });
    const db = new DynamoDBClient({ endpoint: runtime.dynamoDbEndpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
    try {
      const ttl = await db.send(new DescribeTimeToLiveCommand({ TableName: 'Tiny-Settlements' }));
      expect(ttl.TimeToLiveDescription).toEqual({ TimeToLiveStatus: 'ENABLED', AttributeName: 'expiresAt' });
      expect((await db.send(new DescribeTimeToLiveCommand({ TableName: 'Tiny-Ledger' }))).TimeToLiveDescription?.TimeToLiveStatus).toBe('DISABLED');

      // Two execution environments settle the same battle at once: one grant.
      const settler = runtime.hosts.get('Tiny-Settler')!;
      const results = await Promise.all([0, 1].map(() => settler.invoke({ battleId: 'battle-7', player: 'alice' })));
      const values = results.map((r) => r.value as { granted: boolean; error?: string; reasons?: string[] });
      expect(values.filter((v) => v.granted)).toHaveLength(1);
      expect(values.find((v) => !v.granted)).toEqual({ granted: false, error: 'TransactionCanceledException', reasons: ['ConditionalCheckFailed', 'None'] });
      const ledger = await db.send(new GetItemCommand({ TableName: 'Tiny-Ledger', Key: { pk: { S: 'alice' } } }));
      expect(ledger.Item).toEqual({ pk: { S: 'alice' }, xp: { N: '100' }, gold: { N: '7' }, lastBattle: { S: 'battle-7' } });
    } finally {
      db.destroy();
      await runtime.stop();
    }
  });

  it('fails start naming the stream and the function when a function consumes a table stream', async () => {
    const dir = writeTinyAssembly({
      functions: [{ logicalId: 'Projector', source: 'exports.handler = async () => {};' }],
      resources: {
        Battles: { Type: 'AWS::DynamoDB::Table', Properties: { ...KEYS, StreamSpecification: { StreamViewType: 'NEW_IMAGE' } } },
        ProjectorStream: {
          Type: 'AWS::Lambda::EventSourceMapping',
          Properties: { EventSourceArn: { 'Fn::GetAtt': ['Battles', 'StreamArn'] }, FunctionName: { Ref: 'Projector' }, StartingPosition: 'LATEST' },
        },
      },
    });
    const start = LocalRuntime.start({ assemblyDirectory: dir });
    await expect(start).rejects.toMatchObject({ code: 'RESOURCE_UNSUPPORTED' });
    await expect(start).rejects.toThrow(
      /does not run DynamoDB streams: Tiny-Projector reads the stream arn:aws:dynamodb:us-east-1:000000000000:table\/Tiny-Battles\/stream\/\S+ of table Battles in Tiny \(event source mapping ProjectorStream in Tiny\)/,
    );
  });

  it('warns once about table streams nothing consumes', async () => {
    const dir = writeTinyAssembly({
      functions: [],
      resources: {
        Battles: { Type: 'AWS::DynamoDB::Table', Properties: { ...KEYS, StreamSpecification: { StreamViewType: 'NEW_IMAGE' } } },
        Audit: { Type: 'AWS::DynamoDB::Table', Properties: { ...KEYS, StreamSpecification: { StreamViewType: 'KEYS_ONLY' } } },
        Plain: { Type: 'AWS::DynamoDB::Table', Properties: KEYS },
      },
    });
    const warnings: string[] = [];
    const runtime = await LocalRuntime.start({ assemblyDirectory: dir, onWarning: (w) => warnings.push(w) });
    await runtime.stop();
    expect(warnings.filter((w) => w.includes('stream'))).toEqual([
      'DynamoDB streams are not emulated locally; nothing consumes these, so they are ignored: Battles in Tiny, Audit in Tiny',
    ]);
  });
});
