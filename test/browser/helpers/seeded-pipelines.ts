import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import sharp from 'sharp';
import { generatedTaskId } from '../../../functions/shared/tasks/task-id.ts';
import type { TaskLedger } from '../../../functions/shared/tasks/task-ledger.ts';
import type { ConsolePipeline } from '../../../lib/console/console-pipelines.ts';
import type { LocalRuntime } from '../../../lib/local/runtime.ts';

/**
 * Tasks of the pipelines this branch's runtime does not run yet (video, settlement, inference),
 * written as their pipelines write them: the result documents in the shapes their cores declare
 * (ModerationReport, SettlementDocument, JobResult, failure records), media generated with sharp,
 * and a ledger record per task. They exercise the console's views of those pipelines.
 */
export const SEEDED: readonly ConsolePipeline[] = [
  { id: 'video', ingestBucket: 'seed-ingest', ingestPrefix: 'videos/', resultsBucket: 'seed-results', outputPrefix: 'video/', resultDocument: 'report.json' },
  { id: 'settlement', ingestBucket: 'seed-ingest', ingestPrefix: 'battles/', resultsBucket: 'seed-results', outputPrefix: 'settlement/', resultDocument: 'settlement.json' },
  { id: 'inference', ingestBucket: 'seed-ingest', ingestPrefix: 'jobs/', resultsBucket: 'seed-results', outputPrefix: 'inference/', resultDocument: 'result.json' },
];

const tile = (r: number, g: number, b: number, width = 320, height = 180) => sharp({ create: { width, height, channels: 3, background: { r, g, b } } }).jpeg().toBuffer();

export async function seedPipelineTasks(runtime: LocalRuntime, ledger: TaskLedger): Promise<void> {
  for (const bucket of ['seed-ingest', 'seed-results']) await runtime.s3.send(new CreateBucketCommand({ Bucket: bucket }));
  const put = (bucket: string, key: string, body: Buffer | string, contentType: string) => runtime.s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: contentType }));
  const task = async (pipeline: string, key: string, end: { resultKey: string } | { failure: { code: string; message: string; recordKey: string; details: Record<string, unknown> } }) => {
    const createdAt = Date.now() - 3000;
    const identity = { taskId: generatedTaskId(createdAt), pipeline, origin: 'upload' as const, input: { bucket: 'seed-ingest', key }, createdAt, architecture: 'arm64' as const };
    await ledger.startAttempt(identity, { requestId: `seed-${pipeline}`, receiveCount: 1, startedAt: createdAt + 400, memoryMb: 1024 });
    const common = { endedAt: createdAt + 2400, billedDurationMs: 2000, gbSeconds: 2, costUsd: 0.0000269 };
    if ('resultKey' in end) await ledger.finishAttempt(identity.taskId, pipeline, 1, { state: 'succeeded', resultKey: end.resultKey, ...common });
    else await ledger.finishAttempt(identity.taskId, pipeline, 1, { state: 'failed', failure: end.failure, error: { code: end.failure.code, message: end.failure.message }, ...common });
  };

  // video: frames with their labels, a merged segment, the verdict and an HLS rendition.
  const frames = [
    { timestampMs: 0, rgb: [40, 90, 160], labels: [{ label: 'Neutral', score: 0.93 }, { label: 'Sexy', score: 0.04 }] },
    { timestampMs: 5000, rgb: [200, 120, 60], labels: [{ label: 'Sexy', score: 0.81 }, { label: 'Neutral', score: 0.15 }] },
    { timestampMs: 10_000, rgb: [60, 160, 90], labels: [{ label: 'Neutral', score: 0.97 }] },
  ];
  for (const [i, f] of frames.entries()) await put('seed-results', `video/clip.mp4/frames/${i}.jpg`, await tile(f.rgb[0]!, f.rgb[1]!, f.rgb[2]!), 'image/jpeg');
  await put('seed-results', 'video/clip.mp4/hls/master.m3u8', '#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=800000\n360p.m3u8\n', 'application/vnd.apple.mpegurl');
  await put('seed-ingest', 'videos/clip.mp4', Buffer.alloc(64), 'video/mp4');
  await put(
    'seed-results',
    'video/clip.mp4/report.json',
    JSON.stringify({
      source: { durationSeconds: 12, width: 1280, height: 720 },
      frames: frames.map((f, i) => ({ timestampMs: f.timestampMs, key: `video/clip.mp4/frames/${i}.jpg`, labels: f.labels })),
      moderation: { verdict: 'review', provider: 'nsfwjs', segments: [{ label: 'Sexy', startMs: 4000, endMs: 8000, maxScore: 0.81, severity: 'review', frames: 1 }] },
      hls: { masterKey: 'video/clip.mp4/hls/master.m3u8' },
    }),
    'application/json',
  );
  await task('video', 'videos/clip.mp4', { resultKey: 'video/clip.mp4/report.json' });

  // settlement: a settled battle, and one rejected for an action that came too soon.
  await put('seed-ingest', 'battles/b-1.json', JSON.stringify({ battleId: 'b-1' }), 'application/json');
  await put(
    'seed-results',
    'settlement/b-1.json/settlement.json',
    JSON.stringify({
      battleId: 'b-1',
      status: 'settled',
      result: 'victory',
      winner: 'players',
      durationMs: 90_000,
      players: [
        { playerId: 'p-1', heroId: 'knight', level: 3, survived: true, damageDealt: 420, kills: 2, rewards: { xp: 120, gold: 40 }, ledger: { xp: 1120, gold: 340 } },
        { playerId: 'p-2', heroId: 'mage', level: 2, survived: false, damageDealt: 180, kills: 1, rewards: { xp: 120, gold: 40 }, ledger: { xp: 620, gold: 90 } },
      ],
      enemies: [],
    }),
    'application/json',
  );
  await task('settlement', 'battles/b-1.json', { resultKey: 'settlement/b-1.json/settlement.json' });
  const cheat = { battleId: 'b-2', actions: [{ t: 0, actor: 'p-1', kind: 'attack' }, { t: 40, actor: 'p-1', kind: 'skill', skill: 'fireball' }] };
  await put('seed-ingest', 'battles/b-2.json', JSON.stringify(cheat), 'application/json');
  const rejection = {
    code: 'BATTLE_CHEAT_COOLDOWN',
    message: 'Battle b-2 rejected: actions[1]: fireball used 40 ms after the last one (cooldown 1500 ms)',
    details: { battleId: 'b-2', reasons: [{ code: 'BATTLE_CHEAT_COOLDOWN', path: 'actions[1]', message: 'fireball used 40 ms after the last one (cooldown 1500 ms)' }] },
  };
  await put('seed-results', 'failures/battles/b-2.json.json', JSON.stringify({ input: { bucket: 'seed-ingest', key: 'battles/b-2.json' }, pipeline: 'settlement', ...rejection }), 'application/json');
  await task('settlement', 'battles/b-2.json', { failure: { ...rejection, recordKey: 'failures/battles/b-2.json.json' } });

  // inference: a job over one image, its top-K classes.
  await put('seed-ingest', 'jobs/poster.jpg', await tile(230, 180, 40, 300, 300), 'image/jpeg');
  await put(
    'seed-results',
    'inference/poster.jpg/result.json',
    JSON.stringify({
      status: 'succeeded',
      topK: 3,
      summary: { images: 1, succeeded: 1, failed: 0 },
      images: [{ key: 'jobs/poster.jpg', status: 'succeeded', width: 300, height: 300, format: 'jpeg', bytes: 1000, top: [{ label: 'Drawing', probability: 0.62 }, { label: 'Neutral', probability: 0.31 }, { label: 'Hentai', probability: 0.04 }] }],
    }),
    'application/json',
  );
  await task('inference', 'jobs/poster.jpg', { resultKey: 'inference/poster.jpg/result.json' });
}
