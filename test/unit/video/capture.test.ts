import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { captureFrames } from '../../../functions/shared/ffmpeg/capture.ts';
import { captureVideo } from '../../../functions/video-capture/core.ts';
import { captureOptionsSchema } from '../../../functions/video-capture/options.ts';
import { intervalTimes } from '../../../functions/video-capture/strategies.ts';
import { clip, counterFrameNumber, frameCounter, hlsSource, rotated, threeScenes } from '../../fixtures/videos.ts';
import { binaries, captureContext, scratchDir } from './helpers.ts';

/** The frame number the counter fixture's picture shows, i.e. the frame's true time × 10 fps. */
const shownFrame = async (jpeg: Buffer) => counterFrameNumber((await sharp(jpeg).stats()).channels[0]!.mean);
/** stats() describes the input image, so crop to a buffer first. */
const regionStats = async (jpeg: Buffer, top: number) => sharp(await sharp(jpeg).extract({ left: 0, top, width: 180, height: 150 }).toBuffer()).stats();
const options = (overrides: Record<string, unknown>) => captureOptionsSchema.parse({ dedupe: { enabled: false }, ...overrides });

describe('capture strategies', () => {
  const dir = scratchDir();

  it('interval (exact): one frame per N s, each stamped with its decoded pts — matching the picture, not the time asked for', async () => {
    // 0.45 s steps fall between the 0.1 s frame grid: the frame at or after each time is taken.
    const result = await captureVideo(binaries, await frameCounter(), options({ strategy: 'interval', intervalSeconds: 0.45, snapToKeyframes: false }), captureContext(dir()));
    expect(result.frames.map((f) => f.timestamp)).toEqual([0, 0.5, 0.9, 1.4, 1.8, 2.3, 2.7]); // 3.15 is past the last frame start (3.1)
    for (const frame of result.frames) expect(await shownFrame(frame.jpeg)).toBe(Math.round(frame.timestamp * 10));
  });

  it('interval (default): a keyframe within half an interval before the time is taken instead, still with its own timestamp', async () => {
    // Keyframes every 1 s. At 0.45 s steps the keyframe would repeat frame 0 (0.45) or lie more
    // than 0.225 s before the time (0.9, 1.35, …): each of those decodes to the exact frame.
    const result = await captureVideo(binaries, await frameCounter(), options({ strategy: 'interval', intervalSeconds: 0.45 }), captureContext(dir()));
    expect(result.frames.map((f) => f.timestamp)).toEqual([0, 0.5, 0.9, 1.4, 1.8, 2.3, 2.7]);
    for (const frame of result.frames) expect(await shownFrame(frame.jpeg)).toBe(Math.round(frame.timestamp * 10));
    const onKeyframes = await captureVideo(binaries, await frameCounter(), options({ strategy: 'interval', intervalSeconds: 1.1 }), captureContext(dir()));
    expect(onKeyframes.frames.map((f) => f.timestamp)).toEqual([0, 1, 2]); // 1.1, 2.2 → the keyframes just before
  });

  it('interval on MPEG-TS: the seek lands on a later keyframe and the timestamp says so', async () => {
    const result = await captureFrames(binaries, await frameCounter('ts'), { mode: 'seek', times: [0, 0.55, 2.2] }, {}, captureContext(dir()));
    expect(result.frames.length).toBeGreaterThanOrEqual(2);
    for (const frame of result.frames) expect(await shownFrame(frame.jpeg)).toBe(Math.round(frame.timestamp * 10));
    expect(result.frames[1]!.timestamp).toBeGreaterThanOrEqual(0.55);
  });

  it('interval under the max-frames budget spreads the frames over the whole video', async () => {
    const result = await captureVideo(binaries, await frameCounter(), options({ strategy: 'interval', intervalSeconds: 0.1, maxFrames: 4 }), captureContext(dir()));
    expect(result.frames.map((f) => f.timestamp)).toEqual([0, 0.8, 1.6, 2]); // 2.4 snaps to the keyframe at 2
    expect(result.frameLimitReached).toBe(true);
    expect(result.spacingSeconds).toBe(0.8);
  });

  it('interval plans: times inside the duration, spread when over budget', () => {
    expect(intervalTimes(20, 5, 60, 25).times).toEqual([0, 5, 10, 15]);
    expect(intervalTimes(20.02, 5, 60, 25).times).toEqual([0, 5, 10, 15]);
    expect(intervalTimes(20.1, 5, 60, 25).times).toEqual([0, 5, 10, 15, 20]);
    expect(intervalTimes(3600, 5, 60)).toMatchObject({ spacingSeconds: 60, spread: true });
    expect(intervalTimes(3600, 5, 60).times).toHaveLength(60);
  });

  it('keyframes: exactly the keyframes (one per second in the fixture) with their pts', async () => {
    const result = await captureVideo(binaries, await frameCounter(), options({ strategy: 'keyframes' }), captureContext(dir()));
    expect(result.frames.map((f) => f.timestamp)).toEqual([0, 1, 2, 3]);
    for (const frame of result.frames) expect(await shownFrame(frame.jpeg)).toBe(frame.timestamp * 10);
    expect(result.frameLimitReached).toBe(false);
  });

  it('keyframes stop at max frames', async () => {
    const result = await captureVideo(binaries, await frameCounter(), options({ strategy: 'keyframes', maxFrames: 2 }), captureContext(dir()));
    expect(result.frames.map((f) => f.timestamp)).toEqual([0, 1]);
    expect(result.frameLimitReached).toBe(true);
  });

  it('scene: the first frame and one per hard cut', async () => {
    const result = await captureVideo(binaries, await threeScenes(), options({ strategy: 'scene', sceneThreshold: 0.3 }), captureContext(dir()));
    expect(result.frames.map((f) => f.timestamp)).toEqual([0, 1.5, 3]);
    const limited = await captureVideo(binaries, await threeScenes(), options({ strategy: 'scene', maxFrames: 2 }), captureContext(dir()));
    expect(limited.frames.map((f) => f.timestamp)).toEqual([0, 1.5]);
    expect(limited.frameLimitReached).toBe(true);
  });

  it('every: one decoding pass keeping a frame per interval (the fallback for an unknown duration)', async () => {
    const result = await captureFrames(binaries, await frameCounter(), { mode: 'every', intervalSeconds: 1, maxFrames: 10 }, {}, captureContext(dir()));
    expect(result.frames.map((f) => f.timestamp)).toEqual([0, 1, 2, 3]);
  });

  it('frames come out upright: a 320x180 video displayed at 90° gives 180x320 frames with its left (red) half on top', async () => {
    const result = await captureVideo(binaries, await rotated(90), options({ strategy: 'interval', intervalSeconds: 1 }), captureContext(dir()));
    expect(result.source).toMatchObject({ rotation: 90, displayWidth: 180, displayHeight: 320 });
    const frame = result.frames[0]!;
    expect([frame.width, frame.height]).toEqual([180, 320]);
    const meta = await sharp(frame.jpeg).metadata();
    expect([meta.width, meta.height]).toEqual([180, 320]);
    const top = await regionStats(frame.jpeg, 0);
    const bottom = await regionStats(frame.jpeg, 170);
    expect(top.channels[0]!.mean).toBeGreaterThan(200); // red
    expect(top.channels[2]!.mean).toBeLessThan(60);
    expect(bottom.channels[2]!.mean).toBeGreaterThan(200); // blue
  });

  it('frames are JPEGs resized to 640 px on the long side by default, and never upscaled', async () => {
    const big = await captureVideo(binaries, await hlsSource(), options({ strategy: 'interval', intervalSeconds: 5 }), captureContext(dir()));
    expect(big.frames.map((f) => [f.width, f.height])).toEqual([[640, 360], [640, 360]]);
    expect((await sharp(big.frames[0]!.jpeg).metadata()).format).toBe('jpeg');
    const small = await captureVideo(binaries, await clip('mp4'), options({ strategy: 'interval', intervalSeconds: 2 }), captureContext(dir()));
    expect(small.frames[0]).toMatchObject({ width: 320, height: 180 });
    const custom = await captureVideo(binaries, await clip('mp4'), options({ strategy: 'interval', intervalSeconds: 2, longSide: 160 }), captureContext(dir()));
    expect(custom.frames[0]).toMatchObject({ width: 160, height: 90 });
  });

  it.each(['mp4', 'mov', 'webm', 'mkv', 'ts', 'flv'] as const)('captures from %s', async (container) => {
    const result = await captureVideo(binaries, await clip(container), options({ strategy: 'interval', intervalSeconds: 1 }), captureContext(dir()));
    expect(result.frames.length).toBeGreaterThanOrEqual(4);
    expect(result.frames.every((f, i, all) => i === 0 || f.timestamp > all[i - 1]!.timestamp)).toBe(true);
  });
});
