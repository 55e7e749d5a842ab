import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RequestCounter, s3RequestClasses } from '../../../functions/shared/tasks/request-counter.ts';
import { TaskLedger } from '../../../functions/shared/tasks/task-ledger.ts';
import type { KitEventPublisher } from '../../../functions/shared/tasks/task-events.ts';
import type { TaskRecord } from '../../../functions/shared/tasks/task-record.ts';
import { TaskTracking, type TaskRun } from '../../../functions/shared/tasks/task-tracking.ts';
import { startDynamoDbEmulator, type DynamoDbEmulator } from '../../../lib/local/emulators/dynamodb-emulator.ts';
import { localCredentials } from '../../../lib/local/emulators/loopback.ts';
import { startS3SqsEmulator, type S3SqsEmulator } from '../../../lib/local/emulators/s3-sqs-emulator.ts';
import { createTaskTable } from './task-table-fixture.ts';

let dynamo: DynamoDbEmulator;
let s3sqs: S3SqsEmulator;
let client: DynamoDBClient;
let s3: S3Client;

beforeAll(async () => {
  [dynamo, s3sqs] = await Promise.all([startDynamoDbEmulator(), startS3SqsEmulator({ region: 'us-east-1' })]);
  client = new DynamoDBClient({ endpoint: dynamo.endpoint, region: 'us-east-1', credentials: localCredentials() });
  s3 = new S3Client({ endpoint: s3sqs.endpoint, region: 'us-east-1', credentials: localCredentials(), forcePathStyle: true });
  await s3.send(new CreateBucketCommand({ Bucket: 'results' }));
});
afterAll(async () => {
  client.destroy();
  s3.destroy();
  await Promise.all([dynamo.stop(), s3sqs.stop()]);
});

const object = (key: string) => ({ bucket: 'ingest', key, eTag: 'abc', sequencer: '0001', size: 10, eventTime: '2026-12-01T07:00:00.000Z' });

describe('task tracking', () => {
  it('counts S3 requests by price class', async () => {
    const counter = new RequestCounter();
    counter.attach(s3);
    await s3.send(new PutObjectCommand({ Bucket: 'results', Key: 'a', Body: 'x' }));
    await s3.send(new PutObjectCommand({ Bucket: 'results', Key: 'b', Body: 'y' }));
    await s3.send(new GetObjectCommand({ Bucket: 'results', Key: 'a' }));
    expect(s3RequestClasses(counter.take())).toEqual({ s3Puts: 2, s3Gets: 1 });
    expect(counter.take().size).toBe(0);
  });

  it('records each attempt with its billed duration, memory and cost, and skips a finished task', async () => {
    await createTaskTable(client, 'tracking');
    let clock = Date.parse('2026-12-01T07:00:01.000Z');
    const ledger = new TaskLedger(client, 'tracking', { now: () => clock });
    const tracking = new TaskTracking({ pipeline: { id: 'image', ingestPrefix: 'uploads/' }, ledger, architecture: 'arm64', memoryMb: 2048, region: 'us-east-1', now: () => clock });
    const first = (await tracking.begin(object('uploads/a.jpg'), { requestId: 'r1', receiveCount: 1 })) as TaskRun;
    expect(first.attempt).toBe(1);
    clock += 1500;
    await first.end({ state: 'retrying', error: { code: 'Error', message: 'throttled' } });
    const second = (await tracking.begin(object('uploads/a.jpg'), { requestId: 'r2', receiveCount: 2 })) as TaskRun;
    expect(second.taskId).toBe(first.taskId);
    clock += 500;
    await second.end({ state: 'succeeded', resultKey: 'image/a.jpg/manifest.json' });
    const record = (await ledger.get(first.taskId))!;
    expect(record).toMatchObject({ state: 'succeeded', attemptCount: 2, architecture: 'arm64', createdAt: Date.parse('2026-12-01T07:00:00.000Z') });
    expect(record.attempts.map((a) => a.billedDurationMs)).toEqual([1500, 500]);
    // 2 GB × (1.5 s + 0.5 s) = 4 GB-s at the arm64 rate, plus requests.
    expect(record.gbSeconds).toBeCloseTo(4, 9);
    expect(record.costUsd).toBeGreaterThan(4 * 0.0000133334);
    // Requests around it: 2 + 2 Lambda requests, 5 SQS requests, 10 + 10 DynamoDB write units (the key-only indexes).
    expect(record.costUsd).toBeCloseTo(4 * 0.0000133334 + 2 * 2e-7 + 5 * 4e-7 + 20 * 6.25e-7, 9);
    expect(record.attempts[1]!.memoryUsedMb).toBeGreaterThan(10);
    expect(await tracking.begin(object('uploads/a.jpg'), { requestId: 'r3', receiveCount: 3 })).toEqual({ skip: 'succeeded', taskId: first.taskId });
  });

  it('announces a terminal outcome once, with the record its end write left', async () => {
    await createTaskTable(client, 'announcing');
    const ledger = new TaskLedger(client, 'announcing');
    const announced: TaskRecord[] = [];
    const events = { publishTask: async (task: TaskRecord) => void announced.push(task) } as unknown as KitEventPublisher;
    const tracking = new TaskTracking({ pipeline: { id: 'image', ingestPrefix: 'uploads/' }, ledger, events, architecture: 'arm64', memoryMb: 1024, region: 'us-east-1' });
    // Two deliveries of one event run at once: only the end that lands is announced.
    const runs = (await Promise.all([1, 2].map((n) => tracking.begin(object('uploads/c.jpg'), { requestId: `r${n}`, receiveCount: n })))) as TaskRun[];
    await runs[0]!.end({ state: 'succeeded', resultKey: 'image/c.jpg/manifest.json' });
    await runs[1]!.end({ state: 'succeeded', resultKey: 'image/c.jpg/manifest.json' });
    expect(announced).toEqual([await ledger.get(runs[0]!.taskId)]);
    expect(announced[0]).toMatchObject({ state: 'succeeded', attemptCount: 2, resultKey: 'image/c.jpg/manifest.json' });
  });

  it('gives runs their ids with the task table off, writing nothing', async () => {
    const tracking = new TaskTracking({ pipeline: { id: 'image', ingestPrefix: 'uploads/' }, architecture: 'x86_64', memoryMb: 1024, region: 'us-east-1' });
    const run = (await tracking.begin(object('uploads/b.jpg'), { requestId: 'r1', receiveCount: 2 })) as TaskRun;
    expect(run.taskId).toMatch(/^[0-9A-Z]{26}$/);
    expect(run.attempt).toBe(2);
    await run.end({ state: 'succeeded', resultKey: 'x' });
  });
});
