import { execFile, spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadBinaries } from '../../functions/shared/ffmpeg/binaries.ts';
import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import type { VideoReport } from '../../functions/video-capture/report.ts';
import type { RunReport } from '../../lib/local/cli/report.ts';
import * as videos from '../fixtures/videos.ts';
import { PROJECT_ROOT } from './helpers/assemblies.ts';
import { ensureAssembly } from '../../lib/local/assembly/ensure-assembly.ts';
import { LocalRuntime } from '../../lib/local/runtime.ts';

const CLI = join(PROJECT_ROOT, 'bin', 'media-kit.js');
/** The stack name of test/integration/fixtures/video-events-app.ts (importing it would synthesize it here). */
const VIDEO_EVENTS_STACK = 'MediaKitTest-video-events';
const run = promisify(execFile);

function cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: PROJECT_ROOT, env: { ...process.env, NO_COLOR: '1' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

async function runJson(args: string[]): Promise<{ code: number | null; report: RunReport; stderr: string }> {
  const result = await cli(['run', '--json', '--timeout', '200', ...args]);
  try {
    return { code: result.code, report: JSON.parse(result.stdout) as RunReport, stderr: result.stderr };
  } catch {
    throw new Error(`media-kit run printed no JSON (exit ${result.code}):\n${result.stderr}`);
  }
}

/** The video pipeline through `media-kit run`: the synthesized, bundled function on the local runtime. */
describe('video pipeline through the local runtime', () => {
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'video-integration-'));
    // Named as a user would name them; the fixtures are cached by recipe.
    copyFileSync(await videos.clip('mp4', 6), join(dir, 'clip.mp4'));
    copyFileSync(await videos.audioOnly(), join(dir, 'voice-memo.m4a'));
    copyFileSync(await videos.hlsSource(), join(dir, 'trailer.mp4'));
  }, 60_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('clip.mp4 → frames, segments and a verdict; an audio-only file → a failure record', async () => {
    const { code, report } = await runJson(['--pipeline', 'video', join(dir, 'clip.mp4'), join(dir, 'voice-memo.m4a')]);
    expect(code).toBe(2); // every item terminal, one failed
    const [clip, audio] = report.items;
    expect(clip).toMatchObject({ pipeline: 'video', key: 'videos/clip.mp4', status: 'succeeded' });
    const result = clip!.result as VideoReport;
    expect(result.verdict).toBe('allow');
    expect(result.segments).toEqual([]);
    expect(result.moderation.model).toMatchObject({ name: 'nsfwjs-mobilenet-v2', sha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(result.frames.length).toBeGreaterThan(0);
    const written = new Set(clip!.outputs.map((o) => o.key));
    for (const frame of result.frames) {
      expect(written.has(frame.key), frame.key).toBe(true);
      expect(frame.timestamp).toBeGreaterThanOrEqual(0);
      expect(frame.timestamp).toBeLessThan(6);
      expect(frame.labels.length).toBeGreaterThan(0);
    }
    expect(result.capture).toMatchObject({ strategy: 'interval', capturedFrames: 2 });
    expect(audio).toMatchObject({ key: 'videos/voice-memo.m4a', status: 'failed', error: { code: 'VIDEO_NO_VIDEO_STREAM' } });
    expect(audio!.error!.message).toMatch(/no video stream.*audio only: aac/);
  }, 300_000);

  it('--preset film also yields an HLS master playlist that ffprobe opens', async () => {
    const out = join(dir, 'film-out');
    const { code, report } = await runJson(['--preset', 'film', '--out', out, join(dir, 'trailer.mp4')]);
    expect(code).toBe(0);
    const [trailer] = report.items;
    const result = trailer!.result as VideoReport;
    expect(result.hls).toMatchObject({ masterKey: 'video/trailer.mp4/hls/master.m3u8', skipped: [] });
    const master = trailer!.outputs.find((o) => o.key === result.hls!.masterKey)!;
    expect(master.contentType).toBe('application/vnd.apple.mpegurl');
    expect(master.path).toBeDefined();
    const { stdout } = await run(loadBinaries().ffprobe!, ['-v', 'error', '-print_format', 'json', '-show_programs', '-show_format', master.path!]);
    const probed = JSON.parse(stdout) as { format: { format_name: string; duration: string }; programs: Array<{ streams: Array<{ codec_name: string; height?: number }> }> };
    expect(probed.format.format_name).toMatch(/^hls/);
    expect(probed.programs.map((p) => p.streams.find((s) => s.height)?.height).sort()).toEqual([360, 720]);
    expect(Number(probed.format.duration)).toBeCloseTo(8, 0);
  }, 300_000);

  it('a blocked upload is quarantined and its report says where', async () => {
    // Thresholds every frame crosses, so the block path runs on a synthetic clip. Tagging is off:
    // the local S3 (fauxqs 1.9.2) has no PutObjectTagging (it would store the tag XML as the object).
    const config = join(dir, 'block.json');
    const labels = Object.fromEntries(['Drawing', 'Hentai', 'Neutral', 'Porn', 'Sexy'].map((l) => [l, { block: 0 }]));
    writeFileSync(config, JSON.stringify({ pipelines: { video: { moderation: { minConfidence: 0, labels }, quarantine: { tagOriginal: false } } } }));
    const { code, report } = await runJson(['--preset', 'film', '--config', config, '--pipeline', 'video', join(dir, 'clip.mp4')]);
    expect(code).toBe(0);
    const result = report.items[0]!.result as VideoReport;
    expect(result.verdict).toBe('block');
    expect(result.segments.length).toBeGreaterThan(0);
    expect(result.quarantine).toMatchObject({ key: 'quarantine/videos/clip.mp4', taggedOriginal: false });
  }, 300_000);

  it('the Moderation Verdict event reaches a reviewer queue subscribed with one KitEventSubscription', async () => {
    const { directory } = await ensureAssembly({
      projectRoot: PROJECT_ROOT,
      preset: 'test-video-events',
      app: 'npx tsx test/integration/fixtures/video-events-app.ts',
    });
    const runtime = await LocalRuntime.start({ assemblyDirectory: directory });
    try {
      const route = runtime.pipeline('video')!;
      const task = await runtime.upload(route, 'lecture.mp4', readFileSync(join(dir, 'clip.mp4')));
      expect((await task.done).status).toBe('succeeded');
      const [queueId] = Object.entries(runtime.index.stack(VIDEO_EVENTS_STACK).template.Resources ?? {}).find(([id, r]) => r.Type === 'AWS::SQS::Queue' && id.startsWith('ReviewInbox'))!;
      const queueUrl = runtime.index.identity(VIDEO_EVENTS_STACK, queueId).attributes.QueueUrl!;
      let body: string | undefined;
      for (let round = 0; round < 20 && !body; round++) {
        body = (await runtime.sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, WaitTimeSeconds: 1 }))).Messages?.[0]?.Body;
      }
      expect(body, 'no Moderation Verdict event reached the reviewer queue').toBeDefined();
      const event = JSON.parse(body!) as { source: string; 'detail-type': string; detail: Record<string, unknown> };
      expect(event).toMatchObject({ source: 'media-kit', 'detail-type': 'Moderation Verdict' });
      expect(event.detail).toMatchObject({ pipeline: 'video', verdict: 'review', resultKey: 'video/lecture.mp4/report.json', input: { key: 'videos/lecture.mp4' } });
    } finally {
      await runtime.stop();
    }
  }, 300_000);
});
