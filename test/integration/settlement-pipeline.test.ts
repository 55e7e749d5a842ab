import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient, GetItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { settleBattle } from '../../functions/battle-settlement/core.ts';
import { formatBattleLog } from '../../functions/battle-settlement/format-log.ts';
import { SettlementEnv } from '../../functions/battle-settlement/options.ts';
import { balanceOf } from '../../functions/battle-settlement/settlement-store.ts';
import type { SettlementDocument } from '../../functions/battle-settlement/settlement.ts';
import { simulateBattle } from '../../functions/battle-settlement/simulator.ts';
import { LEADERBOARD_TABLE_ENV } from '../../functions/leaderboard/env.ts';
import { settlementDemoInputs } from '../../lib/local/cli/demo-inputs.ts';
import { LocalRuntime } from '../../lib/local/runtime.ts';
import { localCredentials } from '../../lib/local/emulators/loopback.ts';
import { TaskApiClient } from '../../lib/local/cli/task-api-client.ts';
import { LocalTaskTable, TASK_API_URL_OUTPUT, TASK_TABLE_OUTPUT } from '../../lib/local/tasks/task-table-reader.ts';
import type { TaskRecord } from '../../functions/shared/tasks/task-record.ts';
import { PROJECT_ROOT } from '../../lib/pipelines/paths.ts';
import { presetAssembly } from './helpers/assemblies.ts';

/** The settlement pipeline of the `games` preset, synthesized by cdk and run by the local runtime (DynamoDB transactions, EventBridge). */
describe('settlement pipeline through the local runtime', () => {
  let runtime: LocalRuntime;
  let ddb: DynamoDBClient;
  const errors: Error[] = [];
  const tables = { ledger: '', settlements: '', leaderboard: '' };
  let leaderboardFunction = '';

  beforeAll(async () => {
    runtime = await LocalRuntime.start({ assemblyDirectory: await presetAssembly('games'), onError: (e) => errors.push(e) });
    ddb = new DynamoDBClient({ endpoint: runtime.dynamoDbEndpoint!, region: runtime.region, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
    const settle = runtime.hosts.get(route().functionName)!.spec.environment;
    tables.ledger = settle[SettlementEnv.LEDGER_TABLE]!;
    tables.settlements = settle[SettlementEnv.SETTLEMENTS_TABLE]!;
    const leaderboard = [...runtime.hosts.values()].find((host) => host.spec.environment[LEADERBOARD_TABLE_ENV]);
    tables.leaderboard = leaderboard!.spec.environment[LEADERBOARD_TABLE_ENV]!;
    leaderboardFunction = leaderboard!.spec.name;
  }, 240_000);
  afterAll(async () => {
    ddb?.destroy();
    await runtime?.stop();
  });

  const route = () => runtime.pipeline('settlement')!;
  const resultOf = async (key: string): Promise<SettlementDocument> => {
    const object = await runtime.s3.send(new GetObjectCommand({ Bucket: route().resultsBucket, Key: key }));
    return JSON.parse(await object.Body!.transformToString()) as SettlementDocument;
  };
  const ledgerOf = async (playerId: string) =>
    balanceOf((await ddb.send(new GetItemCommand({ TableName: tables.ledger, Key: { playerId: { S: playerId } }, ConsistentRead: true }))).Item);
  /** A fight whose players are this test's own, so ledgers start at zero. */
  const battle = (seed: number, prefix: string) => {
    const log = simulateBattle({ seed, players: 2, enemies: 3, actions: 60 });
    const rename = new Map(log.players.map((p) => [p.playerId, `${prefix}-${p.playerId}`]));
    const text = formatBattleLog(log).replace(/"(p\d+)"/g, (m, id: string) => (rename.has(id) ? `"${rename.get(id)}"` : m));
    return { text, settlement: settleBattle(text) };
  };
  /** Until the leaderboard queue has nothing visible or in flight (every event it was sent is counted). */
  const leaderboardDrained = async () => {
    for (let i = 0; i < 200; i++) {
      const queue = runtime.tasks.all().find((r) => r.function === leaderboardFunction)?.source;
      const depth = queue ? runtime.queueDepth(queue) : undefined;
      if (depth && depth.visible + depth.inFlight + depth.delayed === 0) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error('the leaderboard queue did not drain');
  };
  const leaderboardOf = async (season: string) => {
    const page = await ddb.send(new QueryCommand({ TableName: tables.leaderboard, KeyConditionExpression: 'season = :s', ExpressionAttributeValues: { ':s': { S: season } }, ConsistentRead: true }));
    return new Map((page.Items ?? []).map((item) => [item.entry!.S!, { wins: Number(item.wins?.N ?? 0), xp: Number(item.xp?.N ?? 0), battles: Number(item.battles?.N ?? 0) }]));
  };

  it('settles a battle once however many copies arrive at the same instant: one settled, the rest duplicate, the same balances', async () => {
    const { text, settlement } = battle(11, 'burst');
    const body = Buffer.from(text);
    const tasks = await Promise.all(Array.from({ length: 5 }, (_, i) => runtime.upload(route(), `burst-${i}.json`, body, 'application/json')));
    const done = await Promise.all(tasks.map((t) => t.done));
    expect(done.map((t) => t.status)).toEqual(Array(5).fill('succeeded'));
    const documents = await Promise.all(done.map((t) => resultOf(t.resultKey)));
    expect(documents.map((d) => d.status).sort()).toEqual(['duplicate', 'duplicate', 'duplicate', 'duplicate', 'settled']);
    const balances = documents.map((d) => JSON.stringify(d.players.map((p) => p.ledger)));
    expect(new Set(balances).size).toBe(1);
    // Exactly one grant reached each ledger.
    for (const grant of settlement.grants) {
      expect(await ledgerOf(grant.playerId)).toEqual({ xp: grant.xp, gold: grant.gold, items: grant.items });
    }
    expect(errors).toEqual([]);
  }, 60_000);

  it('fails a flipped result with its reason and grants nothing', async () => {
    const { text, settlement } = battle(12, 'flip');
    const log = JSON.parse(text) as { claimed: { result: string } };
    log.claimed.result = log.claimed.result === 'victory' ? 'defeat' : 'victory';
    const task = await runtime.upload(route(), 'flipped.json', Buffer.from(JSON.stringify(log)), 'application/json');
    const done = await task.done;
    expect(done.status).toBe('failed');
    expect(done.error?.code).toBe('BATTLE_CHEAT_RESULT');
    const record = JSON.parse(await (await runtime.s3.send(new GetObjectCommand({ Bucket: route().resultsBucket, Key: 'failures/battles/flipped.json.json' }))).Body!.transformToString());
    expect(record.details.reasons[0]).toMatchObject({ code: 'BATTLE_CHEAT_RESULT', path: 'claimed.result' });
    for (const grant of settlement.grants) expect(await ledgerOf(grant.playerId)).toEqual({ xp: 0, gold: 0, items: {} });
  }, 60_000);

  it('fails a different log reusing a settled battleId with BATTLE_CONFLICT', async () => {
    const first = battle(13, 'conflict');
    const other = battle(14, 'conflict');
    const reused = other.text.replace(`"battleId": ${JSON.stringify(other.settlement.log.battleId)}`, `"battleId": ${JSON.stringify(first.settlement.log.battleId)}`);
    expect(settleBattle(reused).log.battleId).toBe(first.settlement.log.battleId);
    const a = await (await runtime.upload(route(), 'conflict-a.json', Buffer.from(first.text), 'application/json')).done;
    const b = await (await runtime.upload(route(), 'conflict-b.json', Buffer.from(reused), 'application/json')).done;
    expect([a.status, b.status]).toEqual(['succeeded', 'failed']);
    expect(b.error?.code).toBe('BATTLE_CONFLICT');
    const playerId = first.settlement.grants[0]!.playerId;
    expect((await ledgerOf(playerId)).xp).toBe(first.settlement.grants[0]!.xp);
  }, 60_000);

  it('runs the npm start demo: a sampled battle settles, its copy is a duplicate, the flipped one fails', async () => {
    const inputs = await settlementDemoInputs();
    const tasks = await Promise.all(inputs.map((input) => runtime.upload(route(), input.name, input.body, input.contentType)));
    const [battle, again, flipped] = await Promise.all(tasks.map((t) => t.done));
    const statuses = [(await resultOf(battle!.resultKey)).status, (await resultOf(again!.resultKey)).status].sort();
    expect(statuses).toEqual(['duplicate', 'settled']);
    expect(flipped!.status).toBe('failed');
    expect(flipped!.error?.code).toBe('BATTLE_CHEAT_RESULT');
  }, 60_000);

  it('settles a battle submitted with POST /tasks as JSON (stored as battles/<taskId>.json)', async () => {
    const api = new TaskApiClient({ url: runtime.stackOutput(TASK_API_URL_OUTPUT)!, region: runtime.region, credentials: localCredentials() });
    const table = new LocalTaskTable(runtime.dynamoDbEndpoint!, runtime.region, runtime.stackOutput(TASK_TABLE_OUTPUT)!);
    try {
      const { text, settlement } = battle(16, 'api');
      const since = Date.now();
      const created = await api.expectOk<{ task: TaskRecord }>('POST', '/tasks', { body: { pipeline: 'settlement', input: JSON.parse(text) } });
      expect(created.task.input.key).toBe(`battles/${created.task.taskId}.json`);
      const task = await table.settled(route().ingestBucket, created.task.input.key, since, Date.now() + 30_000);
      expect(task).toMatchObject({ state: 'succeeded', pipeline: 'settlement', resultKey: `settlement/${created.task.taskId}.json/settlement.json` });
      const document = await resultOf(task!.resultKey!);
      expect(document).toMatchObject({ status: 'settled', battleId: settlement.log.battleId, inputHash: settlement.inputHash });
    } finally {
      table.destroy();
    }
  }, 60_000);

  it('keeps the leaderboard once per battle, whatever the duplicates', async () => {
    const { text, settlement } = battle(15, 'board');
    const body = Buffer.from(text);
    const tasks = await Promise.all(['board-a.json', 'board-b.json', 'board-c.json'].map((name) => runtime.upload(route(), name, body, 'application/json')));
    await Promise.all(tasks.map((t) => t.done));
    await leaderboardDrained();
    const board = await leaderboardOf(settlement.document.season);
    expect(board.has(`battle#${settlement.log.battleId}`)).toBe(true);
    const won = settlement.document.winner === 'players' ? 1 : 0;
    for (const grant of settlement.grants) {
      expect(board.get(`player#${grant.playerId}`)).toEqual({ wins: won, xp: grant.xp, battles: 1 });
    }
  }, 60_000);
});

describe('media-kit run --pipeline settlement b.json b.json', () => {
  const dir = mkdtempSync(join(tmpdir(), 'settle-run-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reports one settled and one duplicate with the same ledger balances', () => {
    const cli = (args: string[]) => spawnSync(process.execPath, [join(PROJECT_ROOT, 'bin/media-kit.js'), ...args], { cwd: dir, encoding: 'utf8', timeout: 240_000, env: { ...process.env, NO_COLOR: '1' } });
    const sample = cli(['sample', 'battle', '--out', 'b.json']);
    expect(sample.status, sample.stderr).toBe(0);
    const run = cli(['run', '--json', '--preset', 'games', '--pipeline', 'settlement', 'b.json', 'b.json']);
    expect(run.status, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout) as { items: { key: string; status: string; result: SettlementDocument }[] };
    expect(report.items.map((i) => i.key)).toEqual(['battles/b.json', 'battles/b-2.json']);
    expect(report.items.map((i) => i.status)).toEqual(['succeeded', 'succeeded']);
    expect(report.items.map((i) => i.result.status).sort()).toEqual(['duplicate', 'settled']);
    const [a, b] = report.items.map((i) => i.result);
    expect(a!.players.map((p) => p.ledger)).toEqual(b!.players.map((p) => p.ledger));
    expect({ ...a, status: 'x' }).toEqual({ ...b, status: 'x' });
    writeFileSync(join(dir, 'report.json'), run.stdout);
    expect(readFileSync(join(dir, 'b.json'), 'utf8')).toContain('"battleId"');
  }, 300_000);
});
