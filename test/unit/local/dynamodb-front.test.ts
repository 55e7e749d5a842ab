import {
  BatchWriteItemCommand,
  ConditionalCheckFailedException,
  CreateTableCommand,
  DeleteItemCommand,
  DeleteTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  ExecuteStatementCommand,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  ScanCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDynamoDbEmulator, type DynamoDbEmulator } from '../../../lib/local/emulators/dynamodb-emulator.ts';
import { listeningSockets } from '../../integration/helpers/listening-sockets.ts';

let emulator: DynamoDbEmulator;
let db: DynamoDBClient;
const errors: Error[] = [];

beforeAll(async () => {
  emulator = await startDynamoDbEmulator({ onError: (error) => errors.push(error) });
  db = new DynamoDBClient({ endpoint: emulator.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, maxAttempts: 1 });
  await db.send(
    new CreateTableCommand({
      TableName: 'events',
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      AttributeDefinitions: [
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'N' },
        { AttributeName: 'kind', AttributeType: 'S' },
      ],
      GlobalSecondaryIndexes: [{ IndexName: 'byKind', KeySchema: [{ AttributeName: 'kind', KeyType: 'HASH' }], Projection: { ProjectionType: 'ALL' } }],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
});

afterAll(async () => {
  db?.destroy();
  await emulator?.stop();
});

describe('the DynamoDB front', () => {
  it('listens on 127.0.0.1 only', () => {
    const ours = listeningSockets().filter((s) => s.port === emulator.port);
    expect(ours.length).toBeGreaterThan(0);
    expect(ours.every((s) => s.address === '127.0.0.1')).toBe(true);
  });

  it("serves dynalite's operations: table description, item writes, query on the table and an index, scan, batch writes", async () => {
    const table = await db.send(new DescribeTableCommand({ TableName: 'events' }));
    expect(table.Table?.TableStatus).toBe('ACTIVE');
    await db.send(new PutItemCommand({ TableName: 'events', Item: { pk: { S: 'a' }, sk: { N: '1' }, kind: { S: 'start' } } }));
    await db.send(
      new BatchWriteItemCommand({
        RequestItems: { events: [2, 3].map((sk) => ({ PutRequest: { Item: { pk: { S: 'a' }, sk: { N: String(sk) }, kind: { S: 'tick' } } } })) },
      }),
    );
    const updated = await db.send(
      new UpdateItemCommand({ TableName: 'events', Key: { pk: { S: 'a' }, sk: { N: '3' } }, UpdateExpression: 'SET kind = :k', ExpressionAttributeValues: { ':k': { S: 'end' } }, ReturnValues: 'ALL_NEW' }),
    );
    expect(updated.Attributes?.kind).toEqual({ S: 'end' });
    const query = await db.send(new QueryCommand({ TableName: 'events', KeyConditionExpression: 'pk = :a AND sk >= :two', ExpressionAttributeValues: { ':a': { S: 'a' }, ':two': { N: '2' } } }));
    expect(query.Items?.map((i) => i.sk!.N)).toEqual(['2', '3']);
    const byKind = await db.send(new QueryCommand({ TableName: 'events', IndexName: 'byKind', KeyConditionExpression: 'kind = :t', ExpressionAttributeValues: { ':t': { S: 'tick' } } }));
    expect(byKind.Items?.map((i) => i.sk!.N)).toEqual(['2']);
    await db.send(new DeleteItemCommand({ TableName: 'events', Key: { pk: { S: 'a' }, sk: { N: '1' } } }));
    const scan = await db.send(new ScanCommand({ TableName: 'events' }));
    expect(scan.Count).toBe(2);
  });

  it("keeps dynalite's validation and conditional-write errors, and returns the old item when asked", async () => {
    await db.send(new PutItemCommand({ TableName: 'events', Item: { pk: { S: 'once' }, sk: { N: '0' }, by: { S: 'first' } } }));
    const conditional = new PutItemCommand({
      TableName: 'events',
      Item: { pk: { S: 'once' }, sk: { N: '0' }, by: { S: 'second' } },
      ConditionExpression: 'attribute_not_exists(pk)',
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    });
    const failure = await db.send(conditional).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ConditionalCheckFailedException);
    expect((failure as ConditionalCheckFailedException).Item).toEqual({ pk: { S: 'once' }, sk: { N: '0' }, by: { S: 'first' } });
    const badReturn = await db.send(new DeleteItemCommand({ TableName: 'events', Key: { pk: { S: 'once' }, sk: { N: '0' } }, ReturnValuesOnConditionCheckFailure: 'ALL_NEW' as never })).catch((e: Error) => e);
    expect(badReturn).toMatchObject({ name: 'ValidationException' });
    expect((badReturn as Error).message).toContain("at 'returnValuesOnConditionCheckFailure' failed to satisfy constraint");
    const invalid = await db.send(new GetItemCommand({ TableName: 'events', Key: { pk: { S: 'once' } } })).catch((error: Error) => error);
    expect(invalid).toMatchObject({ name: 'ValidationException', message: 'The provided key element does not match the schema' });
    const missing = await db.send(new GetItemCommand({ TableName: 'nope', Key: { pk: { S: 'x' } } })).catch((error: Error) => error);
    expect(missing).toMatchObject({ name: 'ResourceNotFoundException' });
  });

  it('answers CreateTable and DeleteTable once the table is ACTIVE, or gone: the next request finds it so', async () => {
    const create = db.send(new CreateTableCommand({ TableName: 'settled', KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }], AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }], BillingMode: 'PAY_PER_REQUEST' }));
    // Sent before the create is answered: it waits for the create, then finds the table.
    const put = db.send(new PutItemCommand({ TableName: 'settled', Item: { pk: { S: 'a' } } }));
    await create;
    await put;
    expect((await db.send(new DescribeTableCommand({ TableName: 'settled' }))).Table?.TableStatus).toBe('ACTIVE');
    await db.send(new DeleteTableCommand({ TableName: 'settled' }));
    await db.send(new CreateTableCommand({ TableName: 'settled', KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }], AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }], BillingMode: 'PAY_PER_REQUEST' }));
    expect((await db.send(new ScanCommand({ TableName: 'settled' }))).Items).toEqual([]);
    await db.send(new DeleteTableCommand({ TableName: 'settled' }));
  });

  it('names an operation it does not implement', async () => {
    const error = await db.send(new ExecuteStatementCommand({ Statement: "SELECT * FROM events WHERE pk = 'a'" })).catch((e: Error) => e);
    expect(error).toMatchObject({ name: 'UnknownOperationException', message: 'The local DynamoDB does not implement ExecuteStatement' });
  });

  it('refuses unsigned requests and malformed bodies as DynamoDB does', async () => {
    const post = (headers: Record<string, string>, body: string) =>
      fetch(emulator.endpoint, { method: 'POST', headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'DynamoDB_20120810.ListTables', ...headers }, body });
    const unsigned = await post({}, '{}');
    expect(unsigned.status).toBe(400);
    expect(await unsigned.json()).toMatchObject({ __type: 'com.amazon.coral.service#MissingAuthenticationTokenException' });
    const signed = { authorization: 'AWS4-HMAC-SHA256 Credential=local/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=x', 'x-amz-date': '20260101T000000Z' };
    const garbled = await post(signed, '{not json');
    expect(await garbled.json()).toMatchObject({ __type: 'com.amazon.coral.service#SerializationException' });
    const listed = await post(signed, '{}');
    expect(listed.status).toBe(200);
    expect(listed.headers.get('x-amz-crc32')).toMatch(/^\d+$/);
    expect((await listed.json()) as { TableNames: string[] }).toEqual({ TableNames: ['events'] });
    expect(errors).toEqual([]);
  });
});
