/**
 * The task ledger alone (not a test): N tasks through TaskTracking (start, end) against the local
 * DynamoDB in this process, one at a time, then N at once; the wall time and CPU each costs, and
 * the size of a finished task's item (what its write units are counted from).
 *
 *   npx tsx bench/tasks/ledger.ts [--count 300]
 */
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { createRequire } from 'node:module';
import { parseArgs } from 'node:util';
import { TaskLedger } from '../../functions/shared/tasks/task-ledger.ts';
import { TaskTracking, type TaskRun } from '../../functions/shared/tasks/task-tracking.ts';
import { startDynamoDbEmulator } from '../../lib/local/emulators/dynamodb-emulator.ts';
import { localCredentials } from '../../lib/local/emulators/loopback.ts';
import { createTaskTable } from '../../test/unit/tasks/task-table-fixture.ts';
import { percentile, printTable } from '../lib/report.ts';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const { values } = parseArgs({ options: { count: { type: 'string', default: '300' } } });
const COUNT = Number(values.count);

const emulator = await startDynamoDbEmulator();
const client = new DynamoDBClient({ endpoint: emulator.endpoint, region: 'us-east-1', credentials: localCredentials() });
let requests = 0;
client.middlewareStack.add((next) => (args) => (requests++, next(args)), { step: 'initialize' });
await createTaskTable(client, 'bench');
const ledger = new TaskLedger(client, 'bench');
const published: unknown[] = [];
const events = { publishTask: async (task: unknown) => void published.push(task) } as unknown as ConstructorParameters<typeof TaskTracking>[0]['events'];
const tracking = new TaskTracking({ pipeline: { id: 'image', ingestPrefix: 'uploads/' }, ledger, events, architecture: 'arm64', memoryMb: 1024, region: 'us-east-1' });
const bucket = 'mediakit-imageingestbucket0123456789-abcdefghijkl';
const object = (key: string, i: number) => ({ bucket, key, eTag: '0123456789abcdef0123456789abcdef', sequencer: `0065F${String(i).padStart(11, '0')}`, size: 24_577, eventTime: new Date().toISOString() });

async function one(key: string, i: number): Promise<{ begin: number; end: number }> {
  const t0 = performance.now();
  const run = (await tracking.begin(object(key, i), { requestId: crypto.randomUUID(), receiveCount: 1 })) as TaskRun;
  const t1 = performance.now();
  await run.end({ state: 'succeeded', resultKey: `image/${key}/manifest.json` });
  return { begin: t1 - t0, end: performance.now() - t1 };
}

for (let i = 0; i < 30; i++) await one(`uploads/warm/${i}.jpg`, i);
requests = 0;
const cpu0 = process.cpuUsage();
const sequential: { begin: number; end: number }[] = [];
for (let i = 0; i < COUNT; i++) sequential.push(await one(`uploads/one/${i}.jpg`, 1000 + i));
const cpu1 = process.cpuUsage(cpu0);
const perTaskRequests = requests / COUNT;
const started = performance.now();
await Promise.all(Array.from({ length: COUNT }, (_, i) => one(`uploads/burst/${i}.jpg`, 5000 + i)));
const burstS = (performance.now() - started) / 1000;
const taskId = (published.at(-1) as { taskId: string }).taskId;
const item = (await client.send(new GetItemCommand({ TableName: 'bench', Key: { taskId: { S: taskId } } }))).Item!;
// DynamoDB's item size (names plus values), as dynalite computes it: what a write's units are counted from.
const itemSize = (createRequire(import.meta.url)('dynalite/db') as { itemSize(item: unknown): number }).itemSize;
const started1 = await ledger.startAttempt(
  { taskId: 'size-probe', pipeline: 'image', origin: 'upload', input: object('uploads/size/probe.jpg', 9999), createdAt: Date.now(), architecture: 'arm64' },
  { requestId: crypto.randomUUID(), receiveCount: 1, startedAt: Date.now(), memoryMb: 1024 },
);
if (!started1.start) throw new Error('the size probe did not start');
const startedItem = (await client.send(new GetItemCommand({ TableName: 'bench', Key: { taskId: { S: 'size-probe' } } }))).Item!;

const ms = (values: number[], p: number) => percentile(values, p).toFixed(2);
printTable(
  ['per task', 'value'],
  [
    ['begin p50 / p99 (ms)', `${ms(sequential.map((s) => s.begin), 50)} / ${ms(sequential.map((s) => s.begin), 99)}`],
    ['end (+ event) p50 / p99 (ms)', `${ms(sequential.map((s) => s.end), 50)} / ${ms(sequential.map((s) => s.end), 99)}`],
    ['CPU, client + local DynamoDB (ms)', ((cpu1.user + cpu1.system) / 1000 / COUNT).toFixed(2)],
    ['DynamoDB requests', perTaskRequests.toFixed(1)],
    [`${COUNT} at once (tasks/s)`, (COUNT / burstS).toFixed(0)],
    ['item after start / after end (bytes)', `${itemSize(startedItem)} / ${itemSize(item)}`],
  ],
);
client.destroy();
await emulator.stop();
