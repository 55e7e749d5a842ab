import { describe, expect, it } from 'vitest';
import { normalizeRotation, parseFfmpegReport, probe } from '../../../functions/shared/ffmpeg/probe.ts';
import { VideoErrorCode } from '../../../functions/shared/ffmpeg/errors.ts';
import { audioOnly, type Container, clip, cutBeforeMoovMp4, moovlessMp4, rotated } from '../../fixtures/videos.ts';
import { binaries, budget, ffmpegProber, rejection } from './helpers.ts';

const CONTAINERS: Container[] = ['mp4', 'mov', 'webm', 'mkv', 'ts', 'flv'];
const FORMAT: Record<Container, string> = { mp4: 'mov,mp4', mov: 'mov,mp4', webm: 'matroska,webm', mkv: 'matroska,webm', ts: 'mpegts', flv: 'flv' };

describe.each([
  ['ffprobe (x64)', binaries],
  ['ffmpeg -i (the arm64 prober)', ffmpegProber],
] as const)('probe with %s', (_, tools) => {
  it.each(CONTAINERS)('%s: duration, size, codec, frame rate, audio', async (container) => {
    const result = await probe(tools, await clip(container), budget());
    expect(result.formatName).toContain(FORMAT[container]);
    expect(result.durationSeconds).toBeGreaterThan(3.9);
    expect(result.durationSeconds).toBeLessThan(4.2);
    expect(result.video).toMatchObject({ codec: container === 'webm' ? 'vp8' : 'h264', width: 320, height: 180, rotation: 0, displayWidth: 320, displayHeight: 180, frameRate: 10 });
    expect(result.audioCodecs).toEqual([container === 'webm' ? 'vorbis' : 'aac']);
    expect(result.prober).toBe(tools.probeWith);
  });

  it('MPEG-TS starts at 1.4 s and probes without a crash', async () => {
    expect((await probe(tools, await clip('ts'), budget())).startTimeSeconds).toBeCloseTo(1.4, 1);
  });

  it('reads the rotation from the display matrix and swaps the displayed size', async () => {
    const result = await probe(tools, await rotated(90), budget());
    expect(result.video).toMatchObject({ width: 320, height: 180, rotation: 90, displayWidth: 180, displayHeight: 320 });
  });

  it('an MP4 whose moov is missing or never arrived is VIDEO_CORRUPT ("moov atom not found"), not a crash', async () => {
    for (const file of [await moovlessMp4(), await cutBeforeMoovMp4()]) {
      const error = await rejection(probe(tools, file, budget()));
      expect(error).toMatchObject({ code: VideoErrorCode.VIDEO_CORRUPT, name: 'PermanentError' });
      expect(error.message).toContain('moov atom not found');
    }
  });

  it('audio-only input has no video stream', async () => {
    const result = await probe(tools, await audioOnly(), budget());
    expect(result.video).toBeUndefined();
    expect(result.audioCodecs).toEqual(['aac']);
  });
});

describe('ffmpeg stream report parser', () => {
  it('skips cover art, reads k-suffixed rates and the legacy rotate tag', () => {
    const report = [
      "Input #0, mov,mp4,m4a,3gp,3g2,mj2, from 'x.mp4':",
      '  Duration: 01:02:03.50, start: 0.021000, bitrate: 1200 kb/s',
      '    Stream #0:0: Video: mjpeg, yuvj420p, 600x600, 90k tbr, 90k tbn (attached pic)',
      '    Stream #0:1(eng): Video: hevc (Main) (hvc1 / 0x31637668), yuv420p(tv), 1920x1080, 5000 kb/s, 29.97 fps, 29.97 tbr, 600 tbn (default)',
      '    Metadata:',
      '      rotate          : 270',
      '    Stream #0:2(eng): Audio: aac (LC), 48000 Hz, stereo, fltp, 128 kb/s',
    ].join('\n');
    const result = parseFfmpegReport(report);
    expect(result.durationSeconds).toBeCloseTo(3723.5, 3);
    expect(result.startTimeSeconds).toBeCloseTo(0.021, 3);
    expect(result.video).toMatchObject({ index: 1, codec: 'hevc', width: 1920, height: 1080, frameRate: 29.97, rotation: 270, displayWidth: 1080, displayHeight: 1920 });
    expect(result.audioCodecs).toEqual(['aac']);
  });

  it('an unknown duration stays unknown rather than zero', () => {
    expect(parseFfmpegReport("Input #0, matroska,webm, from 'x':\n  Duration: N/A, start: 0.000000, bitrate: N/A\n    Stream #0:0: Video: vp8, yuv420p, 64x64, 30 fps, 30 tbr\n").durationSeconds).toBeUndefined();
  });

  it('normalises display-matrix noise to quarter turns', () => {
    expect([-90, 90.0000001, -180, 270, 360, -270.2, Number.NaN].map(normalizeRotation)).toEqual([270, 90, 180, 270, 0, 90, 0]);
  });
});
