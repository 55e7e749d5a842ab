import { CreateTableCommand, DynamoDBClient, GetItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expressionCache } from '../../../lib/local/emulators/dynamodb-engine.ts';
import { startDynamoDbEmulator, type DynamoDbEmulator } from '../../../lib/local/emulators/dynamodb-emulator.ts';
import { ExpressionCache, uncachedParser } from '../../../lib/local/emulators/dynamodb-expression-cache.ts';

let emulator: DynamoDbEmulator;
let db: DynamoDBClient;

beforeAll(async () => {
  emulator = await startDynamoDbEmulator();
  db = new DynamoDBClient({ endpoint: emulator.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, maxAttempts: 1 });
  await db.send(
    new CreateTableCommand({
      TableName: 'cached',
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      AttributeDefinitions: [
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'state', AttributeType: 'S' },
      ],
      GlobalSecondaryIndexes: [{ IndexName: 'byState', KeySchema: [{ AttributeName: 'state', KeyType: 'HASH' }], Projection: { ProjectionType: 'KEYS_ONLY' } }],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
});
afterAll(async () => {
  db.destroy();
  await emulator.stop();
});

/** The task ledger's kind of write: names and values aliased, a list append, an ADD, a condition. */
function write(pk: string, state: string, at: number, extra: Record<string, { S: string }> = {}) {
  return new UpdateItemCommand({
    TableName: 'cached',
    Key: { pk: { S: pk } },
    UpdateExpression: 'SET #state = :v0, #at = if_not_exists(#at, :v1), #log = list_append(if_not_exists(#log, :v2), :v3) ADD #n :v4',
    ConditionExpression: 'attribute_not_exists(pk) OR #state IN (:v5, :v6)',
    ExpressionAttributeNames: { '#state': 'state', '#at': 'at', '#log': 'log', '#n': 'n' },
    ExpressionAttributeValues: {
      ':v0': { S: state },
      ':v1': { N: String(at) },
      ':v2': { L: [] },
      ':v3': { L: [{ S: `${state}@${at}` }] },
      ':v4': { N: '1' },
      ':v5': { S: 'queued' },
      ':v6': { S: 'running' },
      ...extra,
    },
  });
}

describe('the local DynamoDB keeps parsed expressions', () => {
  it('a repeated expression writes each request\'s own values, and still checks its aliases', async () => {
    const before = { hits: expressionCache.hits, misses: expressionCache.misses };
    await db.send(write('a', 'running', 1));
    await db.send(write('b', 'queued', 2));
    await db.send(write('a', 'succeeded', 3));
    expect(expressionCache.hits - before.hits).toBeGreaterThanOrEqual(4);
    const a = (await db.send(new GetItemCommand({ TableName: 'cached', Key: { pk: { S: 'a' } } }))).Item;
    expect(a).toEqual({ pk: { S: 'a' }, state: { S: 'succeeded' }, at: { N: '1' }, log: { L: [{ S: 'running@1' }, { S: 'succeeded@3' }] }, n: { N: '2' } });
    expect((await db.send(new GetItemCommand({ TableName: 'cached', Key: { pk: { S: 'b' } } }))).Item?.state).toEqual({ S: 'queued' });
    // The condition is evaluated with this request's values: 'succeeded' is not among them.
    await expect(db.send(write('a', 'failed', 4))).rejects.toThrow(/conditional request failed/);
    // An alias the cached expressions do not use is still refused, as DynamoDB refuses it.
    await expect(db.send(write('c', 'running', 5, { ':v9': { S: 'spare' } }))).rejects.toThrow(/unused in expressions: keys: \{:v9\}/);
    // Another value type is another parse: a list where a number belongs is refused by its checks.
    await expect(
      db.send(new UpdateItemCommand({ TableName: 'cached', Key: { pk: { S: 'd' } }, UpdateExpression: 'ADD #n :v0', ExpressionAttributeNames: { '#n': 'n' }, ExpressionAttributeValues: { ':v0': { N: '1' } } })),
    ).resolves.toBeDefined();
    await expect(
      db.send(new UpdateItemCommand({ TableName: 'cached', Key: { pk: { S: 'd' } }, UpdateExpression: 'ADD #n :v0', ExpressionAttributeNames: { '#n': 'n' }, ExpressionAttributeValues: { ':v0': { L: [] } } })),
    ).rejects.toThrow(/Incorrect operand type/);
  });

  it('answers what dynalite\'s own parsers answer, for other values, names and grammars', () => {
    const cache = new ExpressionCache();
    const update = { parse: cache.wrap('updateParser', uncachedParser('updateParser')) };
    const condition = { parse: cache.wrap('conditionParser', uncachedParser('conditionParser')) };
    const context = (values: Record<string, Record<string, unknown>>, names: Record<string, string> = { '#a': 'a', '#b': 'b' }) => ({
      attrNames: names,
      attrVals: values,
      unusedAttrNames: Object.fromEntries(Object.keys(names).map((name) => [name, true])),
      unusedAttrVals: Object.fromEntries(Object.keys(values).map((alias) => [alias, true])),
      isReserved: () => false,
      compare: () => false,
    });
    const cases = [
      [update, 'SET #a = :x, #b[1].c = #b[0].c + :y REMOVE #b[2]', { ':x': { S: 'one' }, ':y': { N: '2' } }, { ':x': { S: 'two' }, ':y': { N: '7' } }],
      [condition, '#a = :x AND (size(#b) > :y OR NOT contains(#b, :x))', { ':x': { S: 'one' }, ':y': { N: '2' } }, { ':x': { S: 'two' }, ':y': { N: '9' } }],
    ] as const;
    for (const [parser, expression, first, second] of cases) {
      const original = uncachedParser(parser === update ? 'updateParser' : 'conditionParser');
      expect(typeof parser.parse(expression, { context: context(first) })).toBe('object');
      const hit = context(second);
      const expected = context(second);
      expect(parser.parse(expression, { context: hit })).toEqual(original.parse(expression, { context: expected }));
      expect(hit.unusedAttrVals).toEqual(expected.unusedAttrVals);
      expect(hit.unusedAttrNames).toEqual(expected.unusedAttrNames);
      // Other names are another expression.
      const renamed = context(second, { '#a': 'z', '#b': 'b' });
      expect(parser.parse(expression, { context: renamed })).toEqual(original.parse(expression, { context: context(second, { '#a': 'z', '#b': 'b' }) }));
    }
    expect(cache.hits).toBe(2);
    expect(cache.misses).toBe(4);
    // BETWEEN compares its bounds' values: never served from the cache.
    condition.parse('#a BETWEEN :x AND :y', { context: context({ ':x': { N: '1' }, ':y': { N: '2' } }) });
    condition.parse('#a BETWEEN :x AND :y', { context: context({ ':x': { N: '1' }, ':y': { N: '2' } }) });
    expect(cache.hits).toBe(2);
  });
});
