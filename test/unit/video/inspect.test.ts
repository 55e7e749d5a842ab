import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { VideoErrorCode } from '../../../functions/shared/ffmpeg/errors.ts';
import { inspectVideo } from '../../../functions/video-capture/inspect.ts';
import { videoLimitsSchema } from '../../../functions/video-capture/options.ts';
import { audioOnly, clip, cutBeforeMoovMp4, emptyFile, ffv1Mkv, longClip, moovlessMp4, textNamedMp4, truncatedMp4 } from '../../fixtures/videos.ts';
import { binaries, budget, ffmpegProber, rejection, scratchDir } from './helpers.ts';

const limits = videoLimitsSchema.parse({});
const jpegNamedMp4 = async (dir: string) => {
  const file = join(dir, 'photo.mp4');
  writeFileSync(file, await sharp({ create: { width: 8, height: 8, channels: 3, background: '#888' } }).jpeg().toBuffer());
  return file;
};

describe('inspectVideo: every refusal before a frame is decoded, with a stable code', () => {
  const dir = scratchDir();

  it.each([
    ['zero bytes', () => Promise.resolve(emptyFile(dir())), VideoErrorCode.VIDEO_EMPTY, /zero bytes/],
    ['text named .mp4', () => Promise.resolve(textNamedMp4(dir())), VideoErrorCode.VIDEO_NOT_A_VIDEO, /not an MP4, MOV, WebM, MKV, MPEG-TS or FLV/],
    ['a JPEG named .mp4', () => jpegNamedMp4(dir()), VideoErrorCode.VIDEO_NOT_A_VIDEO, /container \(they are jpeg\)$/],
    ['audio only', audioOnly, VideoErrorCode.VIDEO_NO_VIDEO_STREAM, /no video stream \(audio only: aac\)/],
    ['a moov-first MP4 cut short', truncatedMp4, VideoErrorCode.VIDEO_TRUNCATED, /cut short: its 'mdat' box needs \d+ bytes, the file has \d+$/],
    ['a moov-last MP4 cut before its moov', cutBeforeMoovMp4, VideoErrorCode.VIDEO_TRUNCATED, /moov index never arrived/],
    ['a complete MP4 without a moov', moovlessMp4, VideoErrorCode.VIDEO_CORRUPT, /moov atom not found/],
    ['FFV1, a codec outside the allow-list', ffv1Mkv, VideoErrorCode.VIDEO_UNSUPPORTED_CODEC, /video codec ffv1 is not accepted/],
  ] as const)('%s → %s', async (_, fixture, code, message) => {
    const error = await rejection(inspectVideo(binaries, await fixture(), limits, budget()));
    expect(error.code).toBe(code);
    expect(error.message).toMatch(message);
    expect(error.name).toBe('PermanentError');
  });

  it('over the duration limit → VIDEO_TOO_LONG, decided by the probe alone (no decode of the 2 h clip)', async () => {
    const file = await longClip();
    const started = performance.now();
    const error = await rejection(inspectVideo(binaries, file, { ...limits, maxDurationSeconds: 3600 }, budget()));
    expect(error).toMatchObject({ code: VideoErrorCode.VIDEO_TOO_LONG, details: { durationSeconds: 7200, maxDurationSeconds: 3600 } });
    expect(performance.now() - started).toBeLessThan(5000);
  });

  it('over the pixel limit → VIDEO_TOO_MANY_PIXELS', async () => {
    const error = await rejection(inspectVideo(binaries, await clip('mp4'), { ...limits, maxPixels: 320 * 179 }, budget()));
    expect(error).toMatchObject({ code: VideoErrorCode.VIDEO_TOO_MANY_PIXELS, details: { width: 320, height: 180 } });
  });

  it('the ffmpeg prober (arm64) reaches the same verdict on audio-only input', async () => {
    const audio = await rejection(inspectVideo(ffmpegProber, await audioOnly(), limits, budget()));
    expect(audio.code).toBe(VideoErrorCode.VIDEO_NO_VIDEO_STREAM);
  });

  it('accepts each container of the pipeline', async () => {
    for (const container of ['mp4', 'mov', 'webm', 'mkv', 'ts', 'flv'] as const) {
      const inspected = await inspectVideo(binaries, await clip(container), limits, budget());
      expect(inspected.container).toBe(container === 'ts' ? 'mpegts' : container);
      expect(inspected.bytes).toBeGreaterThan(1000);
    }
  });
});
