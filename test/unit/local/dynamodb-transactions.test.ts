import {
  CreateTableCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  TransactGetItemsCommand,
  TransactWriteItemsCommand,
  TransactionCanceledException,
  type AttributeValue,
  type TransactWriteItem,
} from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDynamoDbEmulator, type DynamoDbEmulator } from '../../../lib/local/emulators/dynamodb-emulator.ts';

const LEDGER = 'ledger';
const SETTLEMENTS = 'settlements';

let emulator: DynamoDbEmulator;
let db: DynamoDBClient;
const clients: DynamoDBClient[] = [];

function client(): DynamoDBClient {
  const created = new DynamoDBClient({ endpoint: emulator.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, maxAttempts: 1 });
  clients.push(created);
  return created;
}

const S = (value: string): AttributeValue => ({ S: value });
const N = (value: number): AttributeValue => ({ N: String(value) });

async function get(table: string, pk: string) {
  return (await db.send(new GetItemCommand({ TableName: table, Key: { pk: S(pk) }, ConsistentRead: true }))).Item;
}

async function rejection(promise: Promise<unknown>): Promise<Error & Record<string, unknown>> {
  try {
    await promise;
  } catch (error) {
    return error as Error & Record<string, unknown>;
  }
  throw new Error('expected the request to fail');
}

/** The settlement engine's grant: record the battle once, credit each player's ledger. */
function grant(battleId: string, players: { id: string; xp: number; gold: number }[]): TransactWriteItem[] {
  return [
    { Put: { TableName: SETTLEMENTS, Item: { pk: S(battleId), settledAt: N(Date.now()) }, ConditionExpression: 'attribute_not_exists(pk)' } },
    ...players.map((p) => ({
      Update: {
        TableName: LEDGER,
        Key: { pk: S(p.id) },
        UpdateExpression: 'ADD xp :xp, gold :gold SET lastBattle = :battle',
        ExpressionAttributeValues: { ':xp': N(p.xp), ':gold': N(p.gold), ':battle': S(battleId) },
      },
    })),
  ];
}

beforeAll(async () => {
  emulator = await startDynamoDbEmulator();
  db = client();
  for (const TableName of [LEDGER, SETTLEMENTS]) {
    await db.send(
      new CreateTableCommand({
        TableName,
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
  }
});

afterAll(async () => {
  for (const c of clients) c.destroy();
  await emulator?.stop();
});

describe('TransactWriteItems', () => {
  it('commits a put, an update, a delete and a condition check together', async () => {
    await db.send(new PutItemCommand({ TableName: LEDGER, Item: { pk: S('commit-doomed'), v: N(1) } }));
    await db.send(new PutItemCommand({ TableName: LEDGER, Item: { pk: S('commit-guard'), open: { BOOL: true } } }));
    await db.send(
      new TransactWriteItemsCommand({
        TransactItems: [
          { Put: { TableName: SETTLEMENTS, Item: { pk: S('commit-new'), n: N(7) }, ConditionExpression: 'attribute_not_exists(pk)' } },
          { Update: { TableName: LEDGER, Key: { pk: S('commit-counter') }, UpdateExpression: 'SET #c = if_not_exists(#c, :zero) + :one', ExpressionAttributeNames: { '#c': 'count' }, ExpressionAttributeValues: { ':zero': N(0), ':one': N(1) } } },
          { Delete: { TableName: LEDGER, Key: { pk: S('commit-doomed') }, ConditionExpression: 'v = :one', ExpressionAttributeValues: { ':one': N(1) } } },
          { ConditionCheck: { TableName: LEDGER, Key: { pk: S('commit-guard') }, ConditionExpression: '#o = :yes', ExpressionAttributeNames: { '#o': 'open' }, ExpressionAttributeValues: { ':yes': { BOOL: true } } } },
        ],
      }),
    );
    expect(await get(SETTLEMENTS, 'commit-new')).toEqual({ pk: S('commit-new'), n: N(7) });
    expect(await get(LEDGER, 'commit-counter')).toEqual({ pk: S('commit-counter'), count: N(1) });
    expect(await get(LEDGER, 'commit-doomed')).toBeUndefined();
    expect(await get(LEDGER, 'commit-guard')).toEqual({ pk: S('commit-guard'), open: { BOOL: true } });
  });

  it('reports the capacity it consumed per table when asked: twice that of plain reads and writes', async () => {
    await db.send(new PutItemCommand({ TableName: LEDGER, Item: { pk: S('capacity-guard') } }));
    const { ConsumedCapacity } = await db.send(
      new TransactWriteItemsCommand({
        ReturnConsumedCapacity: 'TOTAL',
        TransactItems: [
          { Put: { TableName: SETTLEMENTS, Item: { pk: S('capacity-3kb'), blob: S('x'.repeat(2.5 * 1024)) } } },
          { Update: { TableName: LEDGER, Key: { pk: S('capacity-player') }, UpdateExpression: 'ADD xp :xp', ExpressionAttributeValues: { ':xp': N(1) } } },
          { ConditionCheck: { TableName: LEDGER, Key: { pk: S('capacity-guard') }, ConditionExpression: 'attribute_exists(pk)' } },
        ],
      }),
    );
    expect(ConsumedCapacity).toEqual([
      { TableName: SETTLEMENTS, CapacityUnits: 6, WriteCapacityUnits: 6 },
      { TableName: LEDGER, CapacityUnits: 4, ReadCapacityUnits: 2, WriteCapacityUnits: 2 },
    ]);
  });

  it('writes nothing when a condition fails, and gives one reason per item in order', async () => {
    await db.send(new PutItemCommand({ TableName: SETTLEMENTS, Item: { pk: S('cancel-battle'), by: S('first') } }));
    await db.send(new PutItemCommand({ TableName: LEDGER, Item: { pk: S('cancel-guard'), open: { BOOL: false } } }));
    const error = await rejection(
      db.send(
        new TransactWriteItemsCommand({
          TransactItems: [
            { Update: { TableName: LEDGER, Key: { pk: S('cancel-player') }, UpdateExpression: 'ADD xp :xp', ExpressionAttributeValues: { ':xp': N(50) } } },
            { Put: { TableName: SETTLEMENTS, Item: { pk: S('cancel-battle'), by: S('second') }, ConditionExpression: 'attribute_not_exists(pk)', ReturnValuesOnConditionCheckFailure: 'ALL_OLD' } },
            { Put: { TableName: LEDGER, Item: { pk: S('cancel-new') } } },
            { ConditionCheck: { TableName: LEDGER, Key: { pk: S('cancel-guard') }, ConditionExpression: '#o = :yes', ExpressionAttributeNames: { '#o': 'open' }, ExpressionAttributeValues: { ':yes': { BOOL: true } } } },
          ],
        }),
      ),
    );
    expect(error).toBeInstanceOf(TransactionCanceledException);
    expect(error.message).toBe('Transaction cancelled, please refer cancellation reasons for specific reasons [None, ConditionalCheckFailed, None, ConditionalCheckFailed]');
    expect((error as unknown as TransactionCanceledException).CancellationReasons).toEqual([
      { Code: 'None' },
      { Code: 'ConditionalCheckFailed', Message: 'The conditional request failed', Item: { pk: S('cancel-battle'), by: S('first') } },
      { Code: 'None' },
      { Code: 'ConditionalCheckFailed', Message: 'The conditional request failed' },
    ]);
    expect(await get(LEDGER, 'cancel-player')).toBeUndefined();
    expect(await get(LEDGER, 'cancel-new')).toBeUndefined();
    expect(await get(SETTLEMENTS, 'cancel-battle')).toEqual({ pk: S('cancel-battle'), by: S('first') });
  });

  it('rolls back the writes already applied when a later one turns out invalid for its data', async () => {
    await db.send(new PutItemCommand({ TableName: LEDGER, Item: { pk: S('rollback-old'), v: N(1) } }));
    await db.send(new PutItemCommand({ TableName: LEDGER, Item: { pk: S('rollback-player'), xp: S('not a number') } }));
    const error = await rejection(
      db.send(
        new TransactWriteItemsCommand({
          TransactItems: [
            { Put: { TableName: LEDGER, Item: { pk: S('rollback-old'), v: N(2) } } },
            { Put: { TableName: LEDGER, Item: { pk: S('rollback-created') } } },
            { Delete: { TableName: SETTLEMENTS, Key: { pk: S('absent') } } },
            { Update: { TableName: LEDGER, Key: { pk: S('rollback-player') }, UpdateExpression: 'ADD xp :xp', ExpressionAttributeValues: { ':xp': N(5) } } },
          ],
        }),
      ),
    );
    expect(error).toBeInstanceOf(TransactionCanceledException);
    const reasons = (error as unknown as TransactionCanceledException).CancellationReasons!;
    expect(reasons.map((r) => r.Code)).toEqual(['None', 'None', 'None', 'ValidationError']);
    expect(reasons[3]!.Message).toMatch(/incorrect data type/);
    expect(await get(LEDGER, 'rollback-old')).toEqual({ pk: S('rollback-old'), v: N(1) });
    expect(await get(LEDGER, 'rollback-created')).toBeUndefined();
    expect(await get(LEDGER, 'rollback-player')).toEqual({ pk: S('rollback-player'), xp: S('not a number') });
  });

  it('grants a settlement exactly once when two clients race to settle the same battle', async () => {
    const players = [
      { id: 'race-alice', xp: 120, gold: 30 },
      { id: 'race-bob', xp: 80, gold: 20 },
    ];
    const contenders = [client(), client(), client()];
    const rounds = 10;
    for (let round = 0; round < rounds; round++) {
      const outcomes = await Promise.allSettled(contenders.map((c) => c.send(new TransactWriteItemsCommand({ TransactItems: grant(`race-battle-${round}`, players) }))));
      const won = outcomes.filter((o) => o.status === 'fulfilled');
      const lost = outcomes.flatMap((o) => (o.status === 'rejected' ? [o.reason as TransactionCanceledException] : []));
      expect(won).toHaveLength(1);
      expect(lost).toHaveLength(contenders.length - 1);
      for (const loss of lost) {
        expect(loss).toBeInstanceOf(TransactionCanceledException);
        // Serialized: the loser runs after the winner and finds the settlement record.
        expect(loss.CancellationReasons?.map((r) => r.Code)).toEqual(['ConditionalCheckFailed', 'None', 'None']);
      }
    }
    expect(await get(LEDGER, 'race-alice')).toMatchObject({ xp: N(120 * rounds), gold: N(30 * rounds), lastBattle: S(`race-battle-${rounds - 1}`) });
    expect(await get(LEDGER, 'race-bob')).toMatchObject({ xp: N(80 * rounds), gold: N(20 * rounds) });
  });

  it('lets no plain write land between a transaction\'s condition checks and its writes', async () => {
    const plain = client();
    const transactional = client();
    for (let round = 0; round < 10; round++) {
      const battleId = `interleave-${round}`;
      const outcomes = await Promise.allSettled([
        transactional.send(new TransactWriteItemsCommand({ TransactItems: grant(battleId, [{ id: 'interleave-player', xp: 1, gold: 1 }]) })),
        plain.send(new PutItemCommand({ TableName: SETTLEMENTS, Item: { pk: S(battleId), by: S('plain') }, ConditionExpression: 'attribute_not_exists(pk)' })),
      ]);
      expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
      const record = await get(SETTLEMENTS, battleId);
      expect(record?.by === undefined).toBe(outcomes[0]!.status === 'fulfilled');
    }
  });

  it('never lets a reader see half a transaction', async () => {
    const writer = client();
    const reader = client();
    const pair = (value: number): TransactWriteItem[] =>
      ['iso-a', 'iso-b'].map((pk) => ({ Put: { TableName: LEDGER, Item: { pk: S(pk), v: N(value) } } }));
    await writer.send(new TransactWriteItemsCommand({ TransactItems: pair(0) }));
    const writes = (async () => {
      for (let i = 1; i <= 30; i++) await writer.send(new TransactWriteItemsCommand({ TransactItems: pair(i) }));
    })();
    const seen: [string, string][] = [];
    const reads = (async () => {
      for (let i = 0; i < 30; i++) {
        const { Responses } = await reader.send(
          new TransactGetItemsCommand({ TransactItems: ['iso-a', 'iso-b'].map((pk) => ({ Get: { TableName: LEDGER, Key: { pk: S(pk) } } })) }),
        );
        seen.push([Responses![0]!.Item!.v!.N!, Responses![1]!.Item!.v!.N!]);
      }
    })();
    await Promise.all([writes, reads]);
    expect(seen.every(([a, b]) => a === b)).toBe(true);
  });

  it('replays a committed request with the same ClientRequestToken without writing again', async () => {
    const request = {
      ClientRequestToken: 'token-replay-1',
      TransactItems: [{ Update: { TableName: LEDGER, Key: { pk: S('token-player') }, UpdateExpression: 'ADD xp :xp', ExpressionAttributeValues: { ':xp': N(10) } } }],
    };
    await db.send(new TransactWriteItemsCommand(request));
    await db.send(new TransactWriteItemsCommand(request));
    expect(await get(LEDGER, 'token-player')).toEqual({ pk: S('token-player'), xp: N(10) });

    const mismatch = await rejection(
      db.send(new TransactWriteItemsCommand({ ...request, TransactItems: [{ ...request.TransactItems[0]!, Update: { ...request.TransactItems[0]!.Update, ExpressionAttributeValues: { ':xp': N(99) } } }] })),
    );
    expect(mismatch.name).toBe('IdempotentParameterMismatchException');
    expect(await get(LEDGER, 'token-player')).toEqual({ pk: S('token-player'), xp: N(10) });
  });

  it('runs a cancelled request again when retried with its token', async () => {
    const request = {
      ClientRequestToken: 'token-retry-1',
      TransactItems: [
        { ConditionCheck: { TableName: LEDGER, Key: { pk: S('token-gate') }, ConditionExpression: 'attribute_exists(pk)' } },
        { Put: { TableName: LEDGER, Item: { pk: S('token-after-gate') } } },
      ],
    };
    expect(await rejection(db.send(new TransactWriteItemsCommand(request)))).toBeInstanceOf(TransactionCanceledException);
    await db.send(new PutItemCommand({ TableName: LEDGER, Item: { pk: S('token-gate') } }));
    await db.send(new TransactWriteItemsCommand(request));
    expect(await get(LEDGER, 'token-after-gate')).toEqual({ pk: S('token-after-gate') });
  });

  it.each([
    [
      'two operations on one item',
      [
        { Put: { TableName: LEDGER, Item: { pk: S('dup') } } },
        { Update: { TableName: LEDGER, Key: { pk: S('dup') }, UpdateExpression: 'SET a = :a', ExpressionAttributeValues: { ':a': N(1) } } },
      ],
      'Transaction request cannot include multiple operations on one item',
    ],
    [
      'more than 100 items',
      Array.from({ length: 101 }, (_, i) => ({ Put: { TableName: LEDGER, Item: { pk: S(`many-${i}`) } } })),
      "at 'transactItems' failed to satisfy constraint: Member must have length less than or equal to 100",
    ],
    ['no items', [], "at 'transactItems' failed to satisfy constraint: Member must have length greater than or equal to 1"],
    [
      'two actions in one element',
      [{ Put: { TableName: LEDGER, Item: { pk: S('both') } }, Delete: { TableName: LEDGER, Key: { pk: S('both') } } }],
      'TransactItems can only contain one of Check, Put, Update or Delete',
    ],
    [
      'a condition check without a condition',
      [{ ConditionCheck: { TableName: LEDGER, Key: { pk: S('x') } } }],
      "Value null at 'transactItems.1.member.conditionCheck.conditionExpression' failed to satisfy constraint: Member must not be null",
    ],
    [
      'an update of the key',
      [{ Update: { TableName: LEDGER, Key: { pk: S('x') }, UpdateExpression: 'SET pk = :p', ExpressionAttributeValues: { ':p': S('y') } } }],
      'Cannot update attribute pk. This attribute is part of the key',
    ],
    ['a put without the key', [{ Put: { TableName: LEDGER, Item: { other: S('x') } } }], 'Missing the key pk in the item'],
    [
      'an item over 400 KB',
      [{ Put: { TableName: LEDGER, Item: { pk: S('big'), blob: S('x'.repeat(410 * 1024)) } } }],
      'Item size has exceeded the maximum allowed size',
    ],
    [
      'more than 4 MB in all',
      Array.from({ length: 11 }, (_, i) => ({ Put: { TableName: LEDGER, Item: { pk: S(`mb-${i}`), blob: S('x'.repeat(390 * 1024)) } } })),
      'Transaction request cannot be larger than 4 MB',
    ],
    [
      'an unused expression value',
      [{ Put: { TableName: LEDGER, Item: { pk: S('x') }, ConditionExpression: 'attribute_not_exists(pk)', ExpressionAttributeValues: { ':unused': N(1) } } }],
      'Value provided in ExpressionAttributeValues unused in expressions',
    ],
  ] as [string, TransactWriteItem[], string][])('refuses %s with a ValidationException, writing nothing', async (_name, items, message) => {
    const error = await rejection(db.send(new TransactWriteItemsCommand({ TransactItems: items })));
    expect(error.name).toBe('ValidationException');
    expect(error.message).toContain(message);
    expect(await get(LEDGER, 'many-0')).toBeUndefined();
    expect(await get(LEDGER, 'mb-0')).toBeUndefined();
  });

  it('refuses a request naming a table that does not exist', async () => {
    const error = await rejection(
      db.send(new TransactWriteItemsCommand({ TransactItems: [{ Put: { TableName: LEDGER, Item: { pk: S('orphan') } } }, { Put: { TableName: 'no-such-table', Item: { pk: S('x') } } }] })),
    );
    expect(error.name).toBe('ResourceNotFoundException');
    expect(await get(LEDGER, 'orphan')).toBeUndefined();
  });
});

describe('TransactGetItems', () => {
  it('returns each item in request order, with an empty response for a missing one and projections applied', async () => {
    await db.send(new PutItemCommand({ TableName: LEDGER, Item: { pk: S('get-1'), xp: N(5), secret: S('s') } }));
    await db.send(new PutItemCommand({ TableName: SETTLEMENTS, Item: { pk: S('get-2'), n: N(2) } }));
    const { Responses, ConsumedCapacity } = await db.send(
      new TransactGetItemsCommand({
        ReturnConsumedCapacity: 'TOTAL',
        TransactItems: [
          { Get: { TableName: SETTLEMENTS, Key: { pk: S('get-2') } } },
          { Get: { TableName: LEDGER, Key: { pk: S('get-missing') } } },
          { Get: { TableName: LEDGER, Key: { pk: S('get-1') }, ProjectionExpression: 'pk, #x', ExpressionAttributeNames: { '#x': 'xp' } } },
        ],
      }),
    );
    expect(Responses).toEqual([{ Item: { pk: S('get-2'), n: N(2) } }, {}, { Item: { pk: S('get-1'), xp: N(5) } }]);
    expect(ConsumedCapacity).toEqual([
      { TableName: SETTLEMENTS, CapacityUnits: 2, ReadCapacityUnits: 2 },
      { TableName: LEDGER, CapacityUnits: 4, ReadCapacityUnits: 4 },
    ]);
  });

  it('refuses the same item twice and more than 100 gets', async () => {
    const twice = await rejection(
      db.send(new TransactGetItemsCommand({ TransactItems: [0, 1].map(() => ({ Get: { TableName: LEDGER, Key: { pk: S('get-1') } } })) })),
    );
    expect(twice.name).toBe('ValidationException');
    expect(twice.message).toBe('Transaction request cannot include multiple operations on one item');
    const many = await rejection(
      db.send(new TransactGetItemsCommand({ TransactItems: Array.from({ length: 101 }, (_, i) => ({ Get: { TableName: LEDGER, Key: { pk: S(`g${i}`) } } })) })),
    );
    expect(many.message).toContain('Member must have length less than or equal to 100');
  });
});
