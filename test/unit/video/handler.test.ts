import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import {
  CopyObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  NoSuchKey,
  PutObjectCommand,
  PutObjectTaggingCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { EnvName } from '../../../functions/shared/env-names.ts';
import { loadBinaries } from '../../../functions/shared/ffmpeg/binaries.ts';
import { VIDEO_ERROR_CODES } from '../../../functions/video-capture/error-codes.ts';
import { VIDEO_EVENT_BUS_ENV } from '../../../functions/video-capture/settings.ts';
import * as videos from '../../fixtures/videos.ts';
import { s3NotificationRecord } from '../../fixtures/sqs-s3-record.ts';

const run = promisify(execFile);
const s3 = mockClient(S3Client);
const eventBridge = mockClient(EventBridgeClient);
type Handler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;
const context = { awsRequestId: 'req-1', functionName: 'video-capture', getRemainingTimeInMillis: () => 120_000 } as unknown as Context;
const NSFW_LABELS = ['Drawing', 'Hentai', 'Neutral', 'Porn', 'Sexy'];
/** Every label over threshold 0 with min confidence 0: each frame is a hit, whatever the model says. */
const everyLabel = (severity: 'review' | 'block') => ({ minConfidence: 0, labels: Object.fromEntries(NSFW_LABELS.map((l) => [l, { [severity]: 0 }])) });

const record = (key: string, sequencer = '0A') => s3NotificationRecord({ key, sequencer });

const notFound = () => new NoSuchKey({ message: 'The specified key does not exist.', $metadata: { httpStatusCode: 404 } });

/** The upload `key` holds the bytes of `file`. */
function upload(key: string, file: string): Buffer {
  const bytes = readFileSync(file);
  s3.on(GetObjectCommand, { Bucket: 'ingest-bucket', Key: key }).callsFake(() => ({ ContentLength: bytes.length, ETag: '"etag-1"', Body: Readable.from([bytes]) }));
  return bytes;
}

const puts = () => s3.commandCalls(PutObjectCommand).map((c) => c.args[0].input);
function putJson(key: string): Record<string, any> {
  const put = puts().find((p) => p.Key === key);
  expect(put, `expected a PutObject of ${key}`).toBeDefined();
  return JSON.parse(String(put!.Body));
}

/** A fresh handler module with these settings (read once at load, as on Lambda). */
async function loadHandler(settings: Record<string, unknown>, env: Record<string, string> = {}): Promise<Handler> {
  vi.resetModules();
  vi.stubEnv(EnvName.PIPELINE_SETTINGS, JSON.stringify(settings));
  vi.stubEnv(VIDEO_EVENT_BUS_ENV, env[VIDEO_EVENT_BUS_ENV] ?? '');
  return ((await import('../../../functions/video-capture/handler.ts')) as { handler: Handler }).handler;
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'video-handler-'));
  const binaries = loadBinaries();
  vi.stubEnv('FFMPEG_PATH', binaries.ffmpeg);
  vi.stubEnv('FFPROBE_PATH', binaries.ffprobe ?? '');
  vi.stubEnv(EnvName.RESULTS_BUCKET, 'results-bucket');
  vi.stubEnv(
    EnvName.PIPELINE_CONTRACT,
    JSON.stringify({ id: 'video', ingestPrefix: 'videos/', outputPrefix: 'video/', resultDocument: 'report.json', errorCodes: VIDEO_ERROR_CODES }),
  );
  vi.stubEnv(EnvName.TIME_BUDGET_MS, '60000');
  vi.stubEnv('POWERTOOLS_LOG_LEVEL', 'SILENT');
  vi.stubEnv('AWS_REGION', 'us-east-1');
});

beforeEach(() => {
  s3.reset();
  eventBridge.reset();
  s3.on(PutObjectCommand).resolves({});
  s3.on(HeadObjectCommand).resolves({});
  s3.on(CopyObjectCommand).resolves({});
  s3.on(PutObjectTaggingCommand).resolves({});
  s3.on(GetObjectCommand, { Bucket: 'results-bucket' }).rejects(notFound());
  eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e1' }] });
});

describe('video handler', () => {
  it('writes every kept frame, then report.json with frames, segments, verdict, the model and capture stats; no event for allow', async () => {
    const handler = await loadHandler({ intervalSeconds: 1, dedupe: { enabled: false } }, { [VIDEO_EVENT_BUS_ENV]: 'media-kit' });
    upload('videos/class/clip.mp4', await videos.clip('mp4', 4));
    const response = await handler({ Records: [record('videos/class/clip.mp4')] }, context);
    expect(response.batchItemFailures).toEqual([]);

    const folder = 'video/class/clip.mp4/';
    const report = putJson(`${folder}report.json`);
    expect(puts().at(-1)!.Key).toBe(`${folder}report.json`);
    expect(report).toMatchObject({
      pipeline: 'video',
      verdict: 'allow',
      input: { bucket: 'ingest-bucket', key: 'videos/class/clip.mp4', eTag: 'etag-1' },
      source: { container: 'mp4', codec: 'h264', width: 320, height: 180 },
      capture: { strategy: 'interval', capturedFrames: 4, keptFrames: 4, droppedAsDuplicates: 0, frameLimitReached: false },
      segments: [],
      moderation: { verdict: 'allow', provider: 'nsfwjs', model: { name: 'nsfwjs-mobilenet-v2' }, flaggedFrames: 0 },
    });
    expect(report.moderation.model.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(report.frames.map((f: { timestamp: number }) => f.timestamp)).toEqual([0, 1, 2, 3]);
    for (const frame of report.frames) {
      const put = puts().find((p) => p.Key === frame.key)!;
      expect(put.ContentType).toBe('image/jpeg');
      expect(Buffer.from(put.Body as Uint8Array).subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8]));
      expect(frame.key.startsWith(`${folder}frames/`)).toBe(true);
      for (const label of frame.labels) expect(frame.scores[label.label]).toBeCloseTo(label.score, 3);
    }
    expect(eventBridge.commandCalls(PutEventsCommand)).toHaveLength(0);
    expect(s3.commandCalls(CopyObjectCommand)).toHaveLength(0);
  });

  it('block: quarantines a pinned copy, tags the original, reports both and announces the verdict', async () => {
    const handler = await loadHandler({ intervalSeconds: 2, moderation: everyLabel('block') }, { [VIDEO_EVENT_BUS_ENV]: 'media-kit' });
    upload('videos/bad.mp4', await videos.clip('mp4', 4));
    expect((await handler({ Records: [record('videos/bad.mp4')] }, context)).batchItemFailures).toEqual([]);

    const copy = s3.commandCalls(CopyObjectCommand)[0]!.args[0].input;
    expect(copy).toMatchObject({ Bucket: 'results-bucket', Key: 'quarantine/videos/bad.mp4', CopySource: 'ingest-bucket/videos/bad.mp4' });
    // The bucket's default encryption applies (the stack key under encryption.kms), never an override.
    expect(copy.ServerSideEncryption).toBeUndefined();
    const tag = s3.commandCalls(PutObjectTaggingCommand)[0]!.args[0].input;
    expect(tag).toMatchObject({ Bucket: 'ingest-bucket', Key: 'videos/bad.mp4', Tagging: { TagSet: [{ Key: 'media-kit-verdict', Value: 'block' }] } });
    const report = putJson('video/bad.mp4/report.json');
    expect(report.verdict).toBe('block');
    expect(report.quarantine).toEqual({ bucket: 'results-bucket', key: 'quarantine/videos/bad.mp4', taggedOriginal: true });
    expect(report.segments.length).toBeGreaterThan(0);
    expect(report.segments[0]).toMatchObject({ severity: 'block', startMs: report.frames[0].timestampMs });

    const [call] = eventBridge.commandCalls(PutEventsCommand);
    const entry = call!.args[0].input.Entries![0]!;
    expect(entry).toMatchObject({ EventBusName: 'media-kit', Source: 'media-kit', DetailType: 'Moderation Verdict' });
    const detail = JSON.parse(entry.Detail!);
    expect(detail).toMatchObject({ pipeline: 'video', verdict: 'block', resultKey: 'video/bad.mp4/report.json', quarantine: { key: 'quarantine/videos/bad.mp4' } });
    expect(detail.taskId).toMatch(/^[0-9A-Z]{10,}/);
    expect(detail.evidenceKeys.every((k: string) => k.startsWith('video/bad.mp4/frames/'))).toBe(true);
    expect(JSON.stringify(detail)).not.toMatch(/\/9j\//); // keys, never JPEG bytes
  });

  it('review: announces the verdict, quarantines nothing', async () => {
    const handler = await loadHandler({ intervalSeconds: 2, moderation: everyLabel('review') }, { [VIDEO_EVENT_BUS_ENV]: 'media-kit' });
    upload('videos/meh.webm', await videos.clip('webm', 4));
    expect((await handler({ Records: [record('videos/meh.webm')] }, context)).batchItemFailures).toEqual([]);
    expect(putJson('video/meh.webm/report.json').verdict).toBe('review');
    expect(s3.commandCalls(CopyObjectCommand)).toHaveLength(0);
    expect(s3.commandCalls(PutObjectTaggingCommand)).toHaveLength(0);
    expect(JSON.parse(eventBridge.commandCalls(PutEventsCommand)[0]!.args[0].input.Entries![0]!.Detail!).verdict).toBe('review');
  });

  it('a failed PutEvents is retried (the report is rewritten, deterministic), never swallowed', async () => {
    const handler = await loadHandler({ intervalSeconds: 2, moderation: everyLabel('review') }, { [VIDEO_EVENT_BUS_ENV]: 'media-kit' });
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 1, Entries: [{ ErrorCode: 'InternalFailure', ErrorMessage: 'try again' }] });
    upload('videos/meh.mp4', await videos.clip('mp4', 2));
    const response = await handler({ Records: [record('videos/meh.mp4')] }, context);
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'm-videos/meh.mp4' }]);
    expect(puts().some((p) => p.Key?.startsWith('failures/'))).toBe(false);
  });

  describe('bad input gets its failure record', async () => {
    const cases: Array<[string, string, () => Promise<string> | string, Record<string, unknown>?]> = [
      ['audio only', 'VIDEO_NO_VIDEO_STREAM', () => videos.audioOnly()],
      ['zero bytes', 'VIDEO_EMPTY', () => videos.emptyFile(dir)],
      ['text named .mp4', 'VIDEO_NOT_A_VIDEO', () => videos.textNamedMp4(dir)],
      ['truncated MP4', 'VIDEO_TRUNCATED', () => videos.truncatedMp4()],
      ['moov-less MP4', 'VIDEO_CORRUPT', () => videos.moovlessMp4()],
      ['unsupported codec', 'VIDEO_UNSUPPORTED_CODEC', () => videos.ffv1Mkv()],
      ['over the duration limit', 'VIDEO_TOO_LONG', () => videos.clip('mp4', 4), { limits: { maxDurationSeconds: 2 } }],
      ['over the byte limit', 'VIDEO_TOO_LARGE', () => videos.clip('mp4', 4), { maxInputBytes: 1000 }],
    ];
    for (const [what, code, make, settings] of cases) {
      it(`${what} → ${code}`, async () => {
        const handler = await loadHandler({ moderation: { provider: 'none' }, ...settings });
        const key = `videos/bad/${what.replaceAll(' ', '-')}.mp4`;
        upload(key, await make());
        expect((await handler({ Records: [record(key)] }, context)).batchItemFailures).toEqual([]);
        const failure = putJson(`failures/${key}.json`);
        expect(failure).toMatchObject({ pipeline: 'video', code, input: { key } });
        expect(failure.message.length).toBeGreaterThan(10);
        expect(puts().filter((p) => p.Key?.startsWith('video/'))).toEqual([]);
      });
    }
  });

  it('film: HLS renditions and a master playlist that ffprobe opens, keyed in the report', async () => {
    const handler = await loadHandler({ strategy: 'keyframes', moderation: { provider: 'none' }, hls: { enabled: true } });
    upload('videos/film.mp4', await videos.hlsSource());
    expect((await handler({ Records: [record('videos/film.mp4')] }, context)).batchItemFailures).toEqual([]);
    const report = putJson('video/film.mp4/report.json');
    expect(report.hls).toMatchObject({ masterKey: 'video/film.mp4/hls/master.m3u8', skipped: [] });
    expect(report.hls.variants.map((v: { name: string }) => v.name)).toEqual(['360p', '720p']);
    const out = mkdtempSync(join(dir, 'hls-'));
    for (const put of puts().filter((p) => p.Key!.startsWith('video/film.mp4/hls/'))) {
      const file = join(out, put.Key!.slice('video/film.mp4/hls/'.length));
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, Buffer.from(put.Body as Uint8Array));
    }
    expect(puts().find((p) => p.Key === 'video/film.mp4/hls/master.m3u8')!.ContentType).toBe('application/vnd.apple.mpegurl');
    const ffprobe = loadBinaries().ffprobe!;
    const { stdout } = await run(ffprobe, ['-v', 'error', '-print_format', 'json', '-show_programs', '-show_format', join(out, 'master.m3u8')]);
    const probed = JSON.parse(stdout) as { format: { format_name: string; duration: string }; programs: unknown[] };
    expect(probed.format.format_name).toMatch(/^hls/);
    expect(probed.programs).toHaveLength(2);
    expect(Number(probed.format.duration)).toBeCloseTo(8, 0);
    const segments = readFileSync(join(out, '360p', 'index.m3u8'), 'utf8').match(/#EXTINF:([\d.]+)/g)!;
    expect(segments[0]).toBe('#EXTINF:6.000000'); // 6 s segments
  });

  it('consumer-electronics: a poster beside the frames', async () => {
    const handler = await loadHandler({ intervalSeconds: 0.5, dedupe: { enabled: false }, moderation: { provider: 'none' }, poster: { enabled: true, candidates: 8 } });
    upload('videos/cam/focus.mp4', await videos.focusPull());
    expect((await handler({ Records: [record('videos/cam/focus.mp4')] }, context)).batchItemFailures).toEqual([]);
    const report = putJson('video/cam/focus.mp4/report.json');
    expect(report.poster).toMatchObject({ key: 'video/cam/focus.mp4/poster.jpg', sharpEnough: true });
    expect(report.poster.timestamp).toBeGreaterThanOrEqual(2); // the first sharp frame, not the blurred opening
    expect(puts().find((p) => p.Key === 'video/cam/focus.mp4/poster.jpg')!.ContentType).toBe('image/jpeg');
  });

  it('education: a live stream verdict escalates over segments, never relaxes, by conditional writes', async () => {
    const stateKey = 'video/live/room-7/stream-verdict.json';
    let stored: { body: string; eTag: string } | undefined;
    let raced = false;
    s3.on(GetObjectCommand, { Bucket: 'results-bucket', Key: stateKey }).callsFake(() => {
      if (!stored) throw notFound();
      return { ETag: stored.eTag, Body: { transformToString: async () => stored!.body } };
    });
    s3.on(PutObjectCommand, { Bucket: 'results-bucket', Key: stateKey }).callsFake((input: { Body: string; IfMatch?: string; IfNoneMatch?: string }) => {
      if (!raced && input.IfMatch) {
        // Another segment of the stream wrote first: this write loses, the handler reads again.
        raced = true;
        stored = { body: stored!.body, eTag: '"newer"' };
        throw new S3ServiceException({ name: 'PreconditionFailed', $fault: 'client', $metadata: { httpStatusCode: 412 } });
      }
      if (input.IfNoneMatch !== undefined && stored) throw new S3ServiceException({ name: 'PreconditionFailed', $fault: 'client', $metadata: { httpStatusCode: 412 } });
      if (input.IfMatch !== undefined && input.IfMatch !== stored?.eTag) throw new Error(`If-Match ${input.IfMatch} against ${stored?.eTag}`);
      stored = { body: input.Body, eTag: `"v${Math.random()}"` };
      return {};
    });
    const segment = await videos.clip('ts', 2);
    const reviewer = await loadHandler({ intervalSeconds: 1, liveSegments: { enabled: true }, moderation: everyLabel('review') }, { [VIDEO_EVENT_BUS_ENV]: 'media-kit' });
    upload('videos/live/room-7/seg-001.ts', segment);
    await reviewer({ Records: [record('videos/live/room-7/seg-001.ts')] }, context);
    expect(s3.commandCalls(PutObjectCommand, { Key: stateKey })[0]!.args[0].input.IfNoneMatch).toBe('*');
    expect(JSON.parse(stored!.body)).toMatchObject({ streamId: 'live/room-7', verdict: 'review' });

    const blocker = await loadHandler({ intervalSeconds: 1, liveSegments: { enabled: true }, moderation: everyLabel('block'), quarantine: { tagOriginal: false } }, { [VIDEO_EVENT_BUS_ENV]: 'media-kit' });
    upload('videos/live/room-7/seg-002.ts', segment);
    await blocker({ Records: [record('videos/live/room-7/seg-002.ts')] }, context);
    expect(raced).toBe(true);
    expect(JSON.parse(stored!.body)).toMatchObject({ verdict: 'block', escalations: [{ verdict: 'review', segmentKey: 'videos/live/room-7/seg-001.ts' }, { verdict: 'block', segmentKey: 'videos/live/room-7/seg-002.ts' }] });

    const allower = await loadHandler({ intervalSeconds: 1, liveSegments: { enabled: true }, moderation: { provider: 'none' } }, { [VIDEO_EVENT_BUS_ENV]: 'media-kit' });
    upload('videos/live/room-7/seg-003.ts', segment);
    const writesBefore = s3.commandCalls(PutObjectCommand, { Key: stateKey }).length;
    await allower({ Records: [record('videos/live/room-7/seg-003.ts')] }, context);
    const report = putJson('video/live/room-7/seg-003.ts/report.json');
    expect(report.verdict).toBe('allow');
    expect(report.stream).toMatchObject({ streamId: 'live/room-7', verdict: 'block', stateKey });
    expect(s3.commandCalls(PutObjectCommand, { Key: stateKey })).toHaveLength(writesBefore); // nothing to escalate: no write
    // The allowed segment of a blocked stream still tells the subscriber where the stream stands.
    const last = eventBridge.commandCalls(PutEventsCommand).at(-1)!.args[0].input.Entries![0]!;
    expect(JSON.parse(last.Detail!)).toMatchObject({ verdict: 'allow', stream: { id: 'live/room-7', verdict: 'block' } });
  });
});

