import { existsSync, readdirSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureFrames } from '../../../functions/shared/ffmpeg/capture.ts';
import { VideoErrorCode } from '../../../functions/shared/ffmpeg/errors.ts';
import { encodeHls, DEFAULT_HLS_RENDITIONS } from '../../../functions/shared/ffmpeg/hls.ts';
import { probe } from '../../../functions/shared/ffmpeg/probe.ts';
import { WORK_DIR_PREFIX, withWorkDir } from '../../../functions/shared/ffmpeg/work-dir.ts';
import { captureVideo } from '../../../functions/video-capture/core.ts';
import { captureOptionsSchema } from '../../../functions/video-capture/options.ts';
import { clip, longClip } from '../../fixtures/videos.ts';
import { binaries, budget, childFfmpegProcesses, ffmpegProber, rejection } from './helpers.ts';
import { startRangeServer } from './loopback-server.ts';

describe('the time budget kills ffmpeg and never hangs', () => {
  let server: Awaited<ReturnType<typeof startRangeServer>>;
  beforeAll(async () => {
    server = await startRangeServer({}, ['/stalled.mp4']);
  });
  afterAll(() => server.close());

  it('a decode that outlasts the budget: SIGKILL, VIDEO_PROCESSING_TIMEOUT, no ffmpeg left behind', async () => {
    const file = await longClip();
    await withWorkDir(async (workDir) => {
      const started = performance.now();
      const error = await rejection(captureFrames(binaries, file, { mode: 'scene', threshold: 0.99, maxFrames: 5 }, {}, { signal: AbortSignal.timeout(100), workDir }));
      expect(error).toMatchObject({ code: VideoErrorCode.VIDEO_PROCESSING_TIMEOUT, name: 'PermanentError', details: { tool: 'ffmpeg' } });
      expect(error.message).toMatch(/time budget ran out after \d+ ms; ffmpeg was killed/);
      expect(performance.now() - started).toBeLessThan(2000);
    });
    expect(childFfmpegProcesses()).toEqual([]);
  });

  it('an HLS encode over budget (a 2 h film) is killed the same way', async () => {
    const file = await longClip();
    const probed = await probe(binaries, file, budget());
    await withWorkDir(async (outDir) => {
      const encoding = rejection(encodeHls(binaries, file, probed, { renditions: DEFAULT_HLS_RENDITIONS, x264Preset: 'ultrafast' }, { signal: AbortSignal.timeout(600), outDir }));
      await new Promise((resolve) => setTimeout(resolve, 300));
      // The check below can see a child: here one is running.
      expect(childFfmpegProcesses().map((p) => p.name)).toContain('ffmpeg');
      expect((await encoding).code).toBe(VideoErrorCode.VIDEO_PROCESSING_TIMEOUT);
    });
    expect(childFfmpegProcesses()).toEqual([]);
  });

  it.each([
    ['ffprobe', binaries],
    ['ffmpeg prober', ffmpegProber],
  ] as const)('a source URL that never answers: the %s is killed on the budget', async (_, tools) => {
    const started = performance.now();
    const error = await rejection(probe(tools, server.url('/stalled.mp4'), { signal: AbortSignal.timeout(300) }));
    expect(error.code).toBe(VideoErrorCode.VIDEO_PROCESSING_TIMEOUT);
    expect(performance.now() - started).toBeLessThan(2000);
    expect(childFfmpegProcesses()).toEqual([]);
  });

  it('the whole capture on a stalled URL ends on the budget too (our own range reads included)', async () => {
    const error = await rejection(captureVideo(binaries, server.url('/stalled.mp4'), captureOptionsSchema.parse({}), { signal: AbortSignal.timeout(300), workDir: tmpdir() }));
    expect(error).toMatchObject({ code: VideoErrorCode.VIDEO_PROCESSING_TIMEOUT, details: { tool: 'http' } });
  });

  it('a budget already spent starts nothing', async () => {
    const spent = AbortSignal.abort(new Error('spent'));
    const error = await rejection(probe(binaries, await clip('mp4'), { signal: spent }));
    expect(error).toMatchObject({ code: VideoErrorCode.VIDEO_PROCESSING_TIMEOUT });
    expect(error.message).toContain('(spent)');
  });
});

describe('per-object work directory', () => {
  const mine = () => readdirSync(tmpdir()).filter((name) => name.startsWith(WORK_DIR_PREFIX));

  it('is under os.tmpdir() and removed after success', async () => {
    const before = new Set(mine());
    let seen = '';
    const frames = await withWorkDir(async (dir) => {
      seen = dir;
      expect(dir.startsWith(join(tmpdir(), WORK_DIR_PREFIX))).toBe(true);
      return (await captureFrames(binaries, await clip('mp4'), { mode: 'seek', times: [0, 1] }, {}, { ...budget(), workDir: dir })).frames;
    });
    expect(frames).toHaveLength(2);
    expect(existsSync(seen)).toBe(false);
    expect(mine().filter((name) => !before.has(name))).toEqual([]);
  });

  it('is removed after a failure too, nested files included', async () => {
    let seen = '';
    const error = await rejection(
      withWorkDir(async (dir) => {
        seen = dir;
        await mkdir(join(dir, 'hls', '720p'), { recursive: true });
        await captureFrames(binaries, await longClip(), { mode: 'scene', threshold: 0.5, maxFrames: 5 }, {}, { signal: AbortSignal.timeout(50), workDir: dir });
      }),
    );
    expect(error.code).toBe(VideoErrorCode.VIDEO_PROCESSING_TIMEOUT);
    expect(existsSync(seen)).toBe(false);
  });
});
