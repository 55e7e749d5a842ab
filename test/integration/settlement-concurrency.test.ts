import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateTableCommand, DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { settleBattle } from '../../functions/battle-settlement/core.ts';
import { formatBattleLog } from '../../functions/battle-settlement/format-log.ts';
import { balanceOf } from '../../functions/battle-settlement/settlement-store.ts';
import { simulateBattle } from '../../functions/battle-settlement/simulator.ts';
import { startDynamoDbEmulator, type DynamoDbEmulator } from '../../lib/local/emulators/dynamodb-emulator.ts';
import { PROJECT_ROOT } from '../../lib/pipelines/paths.ts';

const CHILD = join(PROJECT_ROOT, 'test/integration/fixtures/grant-child.ts');

/** Two environments (processes), the same battle, the same instant, one local DynamoDB: one grant. */
describe('concurrent delivery of one battle', () => {
  let dynamo: DynamoDbEmulator;
  let ddb: DynamoDBClient;
  const dir = mkdtempSync(join(tmpdir(), 'settle-race-'));

  beforeAll(async () => {
    dynamo = await startDynamoDbEmulator();
    ddb = new DynamoDBClient({ endpoint: dynamo.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
    for (const [name, key] of [['settlements', 'battleId'], ['ledger', 'playerId']] as const) {
      await ddb.send(
        new CreateTableCommand({ TableName: name, BillingMode: 'PAY_PER_REQUEST', KeySchema: [{ AttributeName: key, KeyType: 'HASH' }], AttributeDefinitions: [{ AttributeName: key, AttributeType: 'S' }] }),
      );
    }
  });
  afterAll(async () => {
    ddb?.destroy();
    await dynamo?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const child = (logPath: string, taskKey: string, startAt: number) =>
    new Promise<{ status: string; balances: [string, unknown][] }>((resolve, reject) => {
      const proc = spawn(process.execPath, ['--import', 'tsx', CHILD, dynamo.endpoint, 'settlements', 'ledger', logPath, taskKey, String(startAt)], { cwd: PROJECT_ROOT });
      let out = '';
      let err = '';
      proc.stdout.on('data', (d: Buffer) => (out += d.toString()));
      proc.stderr.on('data', (d: Buffer) => (err += d.toString()));
      proc.once('close', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`child exited ${code}: ${err.slice(-2000)}`))));
    });

  it.each([1, 2, 3])('round %i: one settled, one duplicate, the ledgers granted once, the same balances', async (round) => {
    const log = simulateBattle({ seed: 100 + round, players: 3, enemies: 4, actions: 80 });
    const path = join(dir, `race-${round}.json`);
    writeFileSync(path, formatBattleLog(log));
    const settlement = settleBattle(formatBattleLog(log));
    // Both children load tsx and the core first; the agreed instant leaves room for that.
    const startAt = Date.now() + 4000;
    const results = await Promise.all([child(path, `battles/a-${round}.json`, startAt), child(path, `battles/b-${round}.json`, startAt)]);
    expect(results.map((r) => r.status).sort()).toEqual(['duplicate', 'settled']);
    expect(results[0]!.balances).toEqual(results[1]!.balances);
    for (const grant of settlement.grants) {
      const item = (await ddb.send(new GetItemCommand({ TableName: 'ledger', Key: { playerId: { S: grant.playerId } }, ConsistentRead: true }))).Item;
      // Ledgers accumulate over rounds (the simulator's player ids repeat); battles counts the grants.
      expect(Number(item?.battles?.N)).toBe(round);
    }
    const first = new Map(results[0]!.balances as [string, { xp: number }][]);
    for (const grant of settlement.grants) expect(first.get(grant.playerId)).toEqual(balanceOf((await ddb.send(new GetItemCommand({ TableName: 'ledger', Key: { playerId: { S: grant.playerId } }, ConsistentRead: true }))).Item));
  }, 60_000);
});
