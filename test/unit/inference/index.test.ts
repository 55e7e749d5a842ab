import { GetObjectCommand, ListObjectsV2Command, NoSuchKey, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { indexKeysOf } from '../../../functions/inference-index/core.ts';
import { indexResult, INFERENCE_COMPLETED } from '../../../functions/inference-index/indexer.ts';
import { KitEventPublisher } from '../../../functions/shared/tasks/task-events.ts';

/**
 * The index function's indexer on an in-memory S3 (every call answers after a random delay, so
 * concurrent invocations interleave): one line per job however often or concurrently it runs.
 */
const s3mock = mockClient(S3Client);
const ebmock = mockClient(EventBridgeClient);
const store = new Map<string, string>();
const pause = () => new Promise((r) => setTimeout(r, Math.random() * 4));

beforeEach(() => {
  store.clear();
  s3mock.reset();
  ebmock.reset();
  s3mock.on(GetObjectCommand).callsFake(async (input) => {
    await pause();
    const text = store.get(input.Key);
    if (text === undefined) throw new NoSuchKey({ message: 'no such key', $metadata: { httpStatusCode: 404 } });
    return { Body: { transformToString: async () => text } };
  });
  s3mock.on(PutObjectCommand).callsFake(async (input) => {
    await pause();
    store.set(input.Key, String(input.Body));
    return {};
  });
  s3mock.on(ListObjectsV2Command).callsFake(async (input) => {
    await pause();
    // Pages of 2, to exercise continuation.
    const keys = [...store.keys()].filter((k) => k.startsWith(input.Prefix)).sort();
    const start = input.ContinuationToken ? Number(input.ContinuationToken) : 0;
    const page = keys.slice(start, start + 2);
    return { Contents: page.map((Key) => ({ Key })), IsTruncated: start + 2 < keys.length, ...(start + 2 < keys.length ? { NextContinuationToken: String(start + 2) } : {}) };
  });
  ebmock.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e' }] });
});

function result(name: string, sequencer: string, extra: Record<string, unknown> = {}) {
  const key = `inference/${name}/result.json`;
  store.set(
    key,
    JSON.stringify({
      pipeline: 'inference',
      input: { bucket: 'ingest', key: `jobs/${name}`, eTag: 'e', sequencer },
      job: { kind: 'image', submittedAt: '2026-12-01T10:00:00.000Z', completedAt: '2026-12-01T10:00:01.000Z' },
      status: 'succeeded',
      model: { name: 'nsfwjs-mobilenet-v2', version: '4.4.0', sha256: 'a'.repeat(64), backend: 'wasm', loadMs: 400 },
      topK: 2,
      summary: { images: 1, succeeded: 1, failed: 0 },
      images: [{ key: `jobs/${name}`, status: 'succeeded', top: [{ label: 'Neutral', probability: 0.9 }, { label: 'Drawing', probability: 0.05 }] }],
      timings: { totalMs: 10 },
      ...extra,
    }),
  );
  return key;
}

const deps = () => ({ s3: new S3Client({}), resultsBucket: 'results', ingestPrefix: 'jobs/', indexPrefix: 'inference-index/', events: new KitEventPublisher(new EventBridgeClient({}), 'media-kit'), sleep: async () => {} });
const DAILY = 'inference-index/nsfwjs-mobilenet-v2/2026-12-01.jsonl';
const lines = () => (store.get(DAILY) ?? '').split('\n').filter(Boolean).map((l) => JSON.parse(l));

describe('inference index', () => {
  it('appends a job once: the same event delivered twice leaves one line', async () => {
    const key = result('a.jpg', '0A');
    const first = await indexResult(deps(), key);
    await indexResult(deps(), key);
    expect(lines()).toHaveLength(1);
    expect(lines()[0]).toMatchObject({ taskId: first.taskId, day: '2026-12-01', resultKey: key, input: { key: 'jobs/a.jpg' }, images: [{ key: 'jobs/a.jpg', label: 'Neutral', probability: 0.9 }] });
    expect(store.has(indexKeysOf('inference-index/', first).entry)).toBe(true);
  });

  it('a rewritten result of the same upload (a redelivered job) is still one line; another job is a second line', async () => {
    const key = result('a.jpg', '0A');
    await indexResult(deps(), key);
    result('a.jpg', '0A', { job: { kind: 'image', submittedAt: '2026-12-01T10:00:00.000Z', completedAt: '2026-12-01T10:05:00.000Z' } });
    await indexResult(deps(), key);
    expect(lines()).toHaveLength(1);
    await indexResult(deps(), result('b.jpg', '0B'));
    expect(lines().map((l) => l.input.key).sort()).toEqual(['jobs/a.jpg', 'jobs/b.jpg']);
  });

  it('keeps every line when jobs are indexed concurrently (and redelivered while they are)', async () => {
    const keys = Array.from({ length: 9 }, (_, i) => result(`c${i}.jpg`, `0C${i}`));
    // Staggered starts, so one invocation lists before another's entry lands and writes after it.
    await Promise.all([...keys, keys[0]!, keys[4]!].map(async (key, i) => {
      await new Promise((r) => setTimeout(r, i * 3));
      return indexResult(deps(), key);
    }));
    const ids = lines().map((l) => l.taskId);
    expect(ids).toHaveLength(9);
    expect(new Set(ids).size).toBe(9);
    expect([...ids].sort()).toEqual(ids);
  });

  it('repeats a compaction whose write was stale: a job indexed in between is not lost', async () => {
    const a = result('a.jpg', '0A');
    const b = result('b.jpg', '0B');
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let dailyPuts = 0;
    s3mock.on(PutObjectCommand).callsFake(async (input) => {
      // A's first daily write (of its listing {a}) lands only after B has written {a, b}.
      if (input.Key === DAILY && ++dailyPuts === 1) await held;
      store.set(input.Key, String(input.Body));
      return {};
    });
    const indexingA = indexResult(deps(), a);
    while (dailyPuts === 0) await new Promise((r) => setTimeout(r, 1));
    await indexResult(deps(), b);
    release();
    await indexingA;
    expect(lines().map((l) => l.input.key).sort()).toEqual(['jobs/a.jpg', 'jobs/b.jpg']);
    expect(dailyPuts).toBe(3);
  });

  it('puts the line in the day the job was submitted, per model', async () => {
    await indexResult(deps(), result('late.jpg', '0D', { job: { kind: 'image', submittedAt: '2026-11-30T23:59:59.000Z', completedAt: '2026-12-01T00:00:02.000Z' }, model: { name: 'ads', version: '1', sha256: 'b'.repeat(64) } }));
    expect(store.has('inference-index/ads/2026-11-30.jsonl')).toBe(true);
    expect(store.has(DAILY)).toBe(false);
  });

  it('emits Inference Completed on the kit bus with ids and keys, never the media', async () => {
    const key = result('a.jpg', '0A');
    const line = await indexResult(deps(), key);
    const entry = ebmock.commandCalls(PutEventsCommand)[0]!.args[0].input.Entries![0]!;
    expect(entry).toMatchObject({ EventBusName: 'media-kit', Source: 'media-kit', DetailType: INFERENCE_COMPLETED });
    expect(JSON.parse(entry.Detail!)).toEqual({
      taskId: line.taskId,
      pipeline: 'inference',
      input: { bucket: 'ingest', key: 'jobs/a.jpg' },
      resultKey: key,
      status: 'succeeded',
      model: { name: 'nsfwjs-mobilenet-v2', version: '4.4.0', sha256: 'a'.repeat(64) },
      summary: { images: 1, succeeded: 1, failed: 0 },
      index: { bucket: 'results', key: DAILY },
    });
  });

  it('refuses a document that is not an inference result (the event is retried, nothing is written)', async () => {
    store.set('inference/x/result.json', JSON.stringify({ pipeline: 'image' }));
    await expect(indexResult(deps(), 'inference/x/result.json')).rejects.toThrow();
    expect([...store.keys()].some((k) => k.startsWith('inference-index/'))).toBe(false);
    expect(ebmock.commandCalls(PutEventsCommand)).toHaveLength(0);
  });
});
