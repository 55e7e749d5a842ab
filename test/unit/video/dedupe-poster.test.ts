import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { captureFrames } from '../../../functions/shared/ffmpeg/capture.ts';
import { averageHash, differenceHash, frameMetrics, hammingDistance, laplacianVariance } from '../../../functions/shared/ffmpeg/frame-metrics.ts';
import { poster } from '../../../functions/shared/ffmpeg/poster.ts';
import { captureVideo } from '../../../functions/video-capture/core.ts';
import { dedupeFrames, scoreFrames } from '../../../functions/video-capture/dedupe.ts';
import { captureOptionsSchema } from '../../../functions/video-capture/options.ts';
import { focusPull, threeScenes } from '../../fixtures/videos.ts';
import { binaries, captureContext, scratchDir } from './helpers.ts';

const halfSeconds = [0, 0.5, 1, 1.5, 2, 2.5, 3, 3.5];

describe('frame metrics', () => {
  it('dHash and aHash bits, Hamming distance', () => {
    const rising = Uint8Array.from({ length: 72 }, (_, i) => i % 9); // every pixel darker than its right neighbour
    expect(differenceHash(rising)).toBe(0n);
    const falling = Uint8Array.from({ length: 72 }, (_, i) => 9 - (i % 9));
    expect(differenceHash(falling)).toBe((1n << 64n) - 1n);
    const topBright = Uint8Array.from({ length: 64 }, (_, i) => (i < 32 ? 200 : 10));
    expect(averageHash(topBright)).toBe(((1n << 32n) - 1n) << 32n);
    expect(hammingDistance(0b1011n, 0b0001n)).toBe(2);
  });

  it('Laplacian variance: zero on flat, large on a checkerboard', () => {
    expect(laplacianVariance(new Uint8Array(100).fill(128), 10, 10)).toBe(0);
    const checker = Uint8Array.from({ length: 100 }, (_, i) => ((i % 10) + Math.floor(i / 10)) % 2 ? 255 : 0);
    expect(laplacianVariance(checker, 10, 10)).toBeGreaterThan(100_000);
  });

  it('a blurred copy scores far below the sharp original and hashes close to it', async () => {
    const sharpJpeg = await sharp({ create: { width: 256, height: 144, channels: 3, background: '#808080', noise: { type: 'gaussian', mean: 128, sigma: 60 } } }).jpeg().toBuffer();
    const blurred = await sharp(sharpJpeg).blur(4).jpeg().toBuffer();
    const [a, b] = await Promise.all([frameMetrics(sharpJpeg), frameMetrics(blurred)]);
    expect(a.sharpness).toBeGreaterThan(20 * b.sharpness);
  });
});

describe('near-duplicate removal', () => {
  const dir = scratchDir();

  it('a static picture collapses to one frame: the sharpest of the run', async () => {
    const { frames } = await captureFrames(binaries, await focusPull(), { mode: 'seek', times: halfSeconds }, {}, captureContext(dir()));
    expect(frames).toHaveLength(8);
    const kept = dedupeFrames(await scoreFrames(frames), 0.25);
    expect(kept).toHaveLength(1);
    expect(kept[0]).toMatchObject({ runStart: 0, runEnd: 3.5, runLength: 8 });
    // Only 2–3 s is in focus in the fixture (2.0 itself still has the light blur).
    expect(kept[0]!.timestamp).toBe(2.5);
  });

  it('distinct scenes are not duplicates; a zero threshold keeps every frame', async () => {
    const { frames } = await captureFrames(binaries, await threeScenes(), { mode: 'seek', times: [0.2, 0.7, 1.7, 2.2, 3.2, 3.7] }, {}, captureContext(dir()));
    const scored = await scoreFrames(frames);
    const kept = dedupeFrames(scored, 0.25);
    expect(kept.map((f) => [f.runStart, f.runEnd])).toEqual([
      [0.2, 0.7],
      [1.7, 2.2],
      [3.2, 3.7],
    ]);
    expect(dedupeFrames(scored, 0).length).toBeGreaterThanOrEqual(kept.length);
  });

  it('captureVideo dedupes by default and says how many frames it captured', async () => {
    const result = await captureVideo(binaries, await focusPull(), captureOptionsSchema.parse({ intervalSeconds: 0.5 }), captureContext(dir()));
    expect(result.capturedFrames).toBe(8);
    expect(result.frames).toHaveLength(1);
    expect(result.frames[0]).toMatchObject({ timestamp: 2.5, runLength: 8 });
    expect(result.frames[0]!.hash).toMatch(/^[0-9a-f]{32}$/);
  });
});

describe('poster', () => {
  const dir = scratchDir();

  it('is the first sharp frame among the first captured frames, as a JPEG thumbnail', async () => {
    const { frames } = await captureFrames(binaries, await focusPull(), { mode: 'seek', times: halfSeconds }, {}, captureContext(dir()));
    const chosen = await poster(frames, { candidates: 8, longSide: 160 });
    expect(chosen).toMatchObject({ timestamp: 2.5, width: 160, height: 90, sharpEnough: true });
    expect((await sharp(chosen!.jpeg).metadata()).format).toBe('jpeg');
  });

  it('falls back to the sharpest candidate when none is sharp enough, and says so', async () => {
    const { frames } = await captureFrames(binaries, await focusPull(), { mode: 'seek', times: halfSeconds }, {}, captureContext(dir()));
    const chosen = await poster(frames, { candidates: 3 }); // 0, 0.5, 1: all blurred
    expect(chosen).toMatchObject({ sharpEnough: false, width: 320, height: 180 });
    expect(await poster([])).toBeUndefined();
  });
});
