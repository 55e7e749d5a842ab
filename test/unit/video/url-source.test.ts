import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FfmpegToolCode, VideoErrorCode } from '../../../functions/shared/ffmpeg/errors.ts';
import { openByteSource } from '../../../functions/video-capture/byte-source.ts';
import { captureVideo } from '../../../functions/video-capture/core.ts';
import { captureOptionsSchema } from '../../../functions/video-capture/options.ts';
import { counterFrameNumber, frameCounter, truncatedMp4 } from '../../fixtures/videos.ts';
import { binaries, captureContext, rejection, scratchDir } from './helpers.ts';
import { startRangeServer } from './loopback-server.ts';

describe('a presigned-URL source read with range requests', () => {
  const dir = scratchDir();
  let server: Awaited<ReturnType<typeof startRangeServer>>;
  beforeAll(async () => {
    const empty = join(dir(), 'empty.mp4');
    writeFileSync(empty, '');
    server = await startRangeServer({ '/counter.mp4': await frameCounter(), '/empty.mp4': empty, '/cut.mp4': await truncatedMp4() });
  });
  afterAll(() => server.close());

  it('captures the same frames as from a local file, ffmpeg seeking with Range requests', async () => {
    const options = captureOptionsSchema.parse({ intervalSeconds: 1, dedupe: { enabled: false } });
    const fromUrl = await captureVideo(binaries, server.url('/counter.mp4'), options, captureContext(dir()));
    const fromFile = await captureVideo(binaries, await frameCounter(), options, captureContext(dir()));
    expect(fromUrl.frames.map((f) => f.timestamp)).toEqual([0, 1, 2, 3]);
    expect(fromUrl.frames.map((f) => f.timestamp)).toEqual(fromFile.frames.map((f) => f.timestamp));
    for (const frame of fromUrl.frames) expect(counterFrameNumber((await sharp(frame.jpeg).stats()).channels[0]!.mean)).toBe(frame.timestamp * 10);
    const served = server.requests.filter((r) => r.path === '/counter.mp4');
    // Our sniff/structure reads are small ranges; ffmpeg (Lavf) asks for ranges too.
    expect(served.filter((r) => !r.userAgent?.startsWith('Lavf')).every((r) => r.status === 206 && /^bytes=\d+-\d+$/.test(r.range ?? ''))).toBe(true);
    expect(served.some((r) => r.userAgent?.startsWith('Lavf') && r.range !== undefined && r.status === 206)).toBe(true);
  });

  it('byte source: size from Content-Range, reads past the end come back short, the signature never shows', async () => {
    const source = openByteSource(server.url('/counter.mp4'));
    const size = await source.size();
    expect(size).toBeGreaterThan(1000);
    expect((await source.read(size - 10, 100)).length).toBe(10);
    expect((await source.read(size + 5, 10)).length).toBe(0);
    expect(source.location).not.toContain('Signature');
  });

  it('an empty object → VIDEO_EMPTY; a cut MP4 → VIDEO_TRUNCATED, decided from box headers alone', async () => {
    const options = captureOptionsSchema.parse({});
    expect((await rejection(captureVideo(binaries, server.url('/empty.mp4'), options, captureContext(dir())))).code).toBe(VideoErrorCode.VIDEO_EMPTY);
    const before = server.requests.length;
    expect((await rejection(captureVideo(binaries, server.url('/cut.mp4'), options, captureContext(dir())))).code).toBe(VideoErrorCode.VIDEO_TRUNCATED);
    expect(server.requests.slice(before).every((r) => !r.userAgent?.startsWith('Lavf'))).toBe(true);
  });

  it('a URL that answers 404 is a transient tool failure, not a verdict on the video', async () => {
    const error = await rejection(captureVideo(binaries, server.url('/missing.mp4'), captureOptionsSchema.parse({}), captureContext(dir())));
    expect(error).toMatchObject({ code: FfmpegToolCode.FFMPEG_FAILED, name: 'FfmpegToolError' });
    expect(error.message).toMatch(/answered 404/);
    expect(error.message).not.toContain('Signature');
  });
});
