import {
  CreateTableCommand,
  DeleteTableCommand,
  DescribeTimeToLiveCommand,
  DynamoDBClient,
  PutItemCommand,
  ScanCommand,
  UpdateTimeToLiveCommand,
  waitUntilTableExists,
  waitUntilTableNotExists,
  type AttributeValue,
} from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDynamoDbEmulator, type DynamoDbEmulator } from '../../../lib/local/emulators/dynamodb-emulator.ts';

let emulator: DynamoDbEmulator;
let db: DynamoDBClient;

const nowSeconds = () => Math.floor(Date.now() / 1000);

async function createTable(TableName: string): Promise<void> {
  await db.send(
    new CreateTableCommand({ TableName, KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }], AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }], BillingMode: 'PAY_PER_REQUEST' }),
  );  // dynalite makes a table ACTIVE on a timer, even at 0 ms: calls before then find no table.
  await waitUntilTableExists({ client: db, maxWaitTime: 10, minDelay: 0.05, maxDelay: 0.1 }, { TableName });
}

async function put(TableName: string, pk: string, expiresAt?: AttributeValue): Promise<void> {
  await db.send(new PutItemCommand({ TableName, Item: { pk: { S: pk }, ...(expiresAt ? { expiresAt } : {}) } }));
}

async function keys(TableName: string): Promise<string[]> {
  const { Items } = await db.send(new ScanCommand({ TableName }));
  return (Items ?? []).map((item) => item.pk!.S!).sort();
}

async function describeTtl(TableName: string) {
  return (await db.send(new DescribeTimeToLiveCommand({ TableName }))).TimeToLiveDescription;
}

beforeAll(async () => {
  // A long interval: these tests sweep on demand, except the one that waits for the sweeper.
  emulator = await startDynamoDbEmulator({ ttlSweepIntervalMs: 60_000 });
  db = new DynamoDBClient({ endpoint: emulator.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, maxAttempts: 1 });
});

afterAll(async () => {
  db?.destroy();
  await emulator?.stop();
});

describe('time to live', () => {
  it('is disabled until UpdateTimeToLive enables it, and DescribeTimeToLive says so', async () => {
    await createTable('ttl-describe');
    expect(await describeTtl('ttl-describe')).toEqual({ TimeToLiveStatus: 'DISABLED' });
    const updated = await db.send(new UpdateTimeToLiveCommand({ TableName: 'ttl-describe', TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true } }));
    expect(updated.TimeToLiveSpecification).toEqual({ AttributeName: 'expiresAt', Enabled: true });
    expect(await describeTtl('ttl-describe')).toEqual({ TimeToLiveStatus: 'ENABLED', AttributeName: 'expiresAt' });

    const again = await db.send(new UpdateTimeToLiveCommand({ TableName: 'ttl-describe', TimeToLiveSpecification: { AttributeName: 'other', Enabled: true } })).catch((e: Error) => e);
    expect(again).toMatchObject({ name: 'ValidationException', message: 'TimeToLive is already enabled' });

    await db.send(new UpdateTimeToLiveCommand({ TableName: 'ttl-describe', TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: false } }));
    expect(await describeTtl('ttl-describe')).toEqual({ TimeToLiveStatus: 'DISABLED' });
  });

  it('refuses a missing table and a missing specification', async () => {
    const missing = await db.send(new UpdateTimeToLiveCommand({ TableName: 'ttl-nope', TimeToLiveSpecification: { AttributeName: 'a', Enabled: true } })).catch((e: Error) => e);
    expect(missing).toMatchObject({ name: 'ResourceNotFoundException' });
    const malformed = await db.send(new UpdateTimeToLiveCommand({ TableName: 'ttl-describe' } as never)).catch((e: Error) => e);
    expect(malformed).toMatchObject({ name: 'ValidationException' });
    expect((malformed as Error).message).toContain("at 'timeToLiveSpecification' failed to satisfy constraint: Member must not be null");
  });

  it('sweeps items whose TTL is a number of seconds in the past, and keeps the rest', async () => {
    await createTable('ttl-sweep');
    await db.send(new UpdateTimeToLiveCommand({ TableName: 'ttl-sweep', TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true } }));
    const now = nowSeconds();
    await put('ttl-sweep', 'expired', { N: String(now - 60) });
    await put('ttl-sweep', 'expired-fraction', { N: String(now - 1.5) });
    await put('ttl-sweep', 'future', { N: String(now + 3600) });
    await put('ttl-sweep', 'string', { S: String(now - 60) });
    await put('ttl-sweep', 'no-ttl');
    // Milliseconds mistaken for seconds lie far in the future; over five years past, AWS skips the item.
    await put('ttl-sweep', 'milliseconds', { N: String(Date.now()) });
    await put('ttl-sweep', 'ancient', { N: String(now - 6 * 365 * 24 * 3600) });

    // Expired but not yet swept: still readable, as on AWS.
    expect(await keys('ttl-sweep')).toContain('expired');
    expect(await emulator.sweepExpiredItems()).toBe(2);
    expect(await keys('ttl-sweep')).toEqual(['ancient', 'future', 'milliseconds', 'no-ttl', 'string']);
  });

  it('sweeps nothing on a table without TTL, or once TTL is disabled', async () => {
    await createTable('ttl-off');
    await put('ttl-off', 'old', { N: String(nowSeconds() - 60) });
    await emulator.sweepExpiredItems();
    expect(await keys('ttl-off')).toEqual(['old']);
    await db.send(new UpdateTimeToLiveCommand({ TableName: 'ttl-off', TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true } }));
    await db.send(new UpdateTimeToLiveCommand({ TableName: 'ttl-off', TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: false } }));
    await emulator.sweepExpiredItems();
    expect(await keys('ttl-off')).toEqual(['old']);
  });

  it('forgets the setting with the table', async () => {
    await createTable('ttl-recreated');
    await db.send(new UpdateTimeToLiveCommand({ TableName: 'ttl-recreated', TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true } }));
    await db.send(new DeleteTableCommand({ TableName: 'ttl-recreated' }));
    // dynalite removes a deleted table on a timer: recreating before it is gone races that timer.
    await waitUntilTableNotExists({ client: db, maxWaitTime: 10, minDelay: 0.05, maxDelay: 0.1 }, { TableName: 'ttl-recreated' });
    await createTable('ttl-recreated');
    expect(await describeTtl('ttl-recreated')).toEqual({ TimeToLiveStatus: 'DISABLED' });
  });

  it('deletes expired items on its own, within the sweep interval', async () => {
    const quick = await startDynamoDbEmulator({ ttlSweepIntervalMs: 50 });
    const client = new DynamoDBClient({ endpoint: quick.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
    try {
      await client.send(
        new CreateTableCommand({ TableName: 'ttl-auto', KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }], AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }], BillingMode: 'PAY_PER_REQUEST' }),
      );
      await client.send(new UpdateTimeToLiveCommand({ TableName: 'ttl-auto', TimeToLiveSpecification: { AttributeName: 'ttl', Enabled: true } }));
      await client.send(new PutItemCommand({ TableName: 'ttl-auto', Item: { pk: { S: 'gone' }, ttl: { N: String(nowSeconds() - 1) } } }));
      await client.send(new PutItemCommand({ TableName: 'ttl-auto', Item: { pk: { S: 'kept' }, ttl: { N: String(nowSeconds() + 3600) } } }));
      const deadline = Date.now() + 3000;
      let left: string[] = [];
      do {
        await new Promise((resolve) => setTimeout(resolve, 25));
        left = ((await client.send(new ScanCommand({ TableName: 'ttl-auto' }))).Items ?? []).map((i) => i.pk!.S!);
      } while (left.includes('gone') && Date.now() < deadline);
      expect(left).toEqual(['kept']);
    } finally {
      client.destroy();
      await quick.stop();
    }
  });
});
