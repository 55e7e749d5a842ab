import sharp from 'sharp';
import { describe, expect, it, vi } from 'vitest';
import { plannedSize, transcode } from '../../functions/image-transcode/core.ts';
import { DEFAULT_RENDITIONS, transcodeOptionsSchema, type TranscodeOptionsInput } from '../../functions/image-transcode/options.ts';
import { ErrorCode, PermanentError } from '../../functions/shared/errors.ts';
import * as fixtures from '../fixtures/images.ts';

const options = (input: Partial<TranscodeOptionsInput> = {}) =>
  transcodeOptionsSchema.parse({ renditions: [{ name: 'out', format: 'jpeg' }], ...input });

async function pixel(image: Buffer, left: number, top: number): Promise<number[]> {
  return [...(await sharp(image).extract({ left, top, width: 1, height: 1 }).removeAlpha().raw().toBuffer())];
}

function isRed([r, g, b]: number[]): boolean {
  return r! > 200 && g! < 60 && b! < 60;
}
function isBlue([r, g, b]: number[]): boolean {
  return b! > 200 && r! < 60 && g! < 60;
}

async function rejection(promise: Promise<unknown>): Promise<PermanentError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(PermanentError);
  return error as PermanentError;
}

describe('transcode: renditions', () => {
  it('makes the default rendition set from a photo, with exact sizes and formats', async () => {
    const input = await fixtures.photoJpeg(1600, 1200);
    const result = await transcode(input, transcodeOptionsSchema.parse({ renditions: DEFAULT_RENDITIONS }));
    expect(result.source).toMatchObject({ format: 'jpeg', width: 1600, height: 1200, frames: 1, bytes: input.length });
    const byName = Object.fromEntries(result.renditions.map((r) => [r.name, r]));
    expect(byName.thumbnail).toMatchObject({ format: 'jpeg', width: 256, height: 256, contentType: 'image/jpeg', extension: 'jpg' });
    expect(byName.medium).toMatchObject({ format: 'webp', width: 1280, height: 960, contentType: 'image/webp' });
    // 1920 wide would enlarge a 1600 px source: renditions never upscale unless asked.
    expect(byName.large).toMatchObject({ format: 'jpeg', width: 1600, height: 1200 });
    for (const r of result.renditions) {
      const meta = await sharp(r.data).metadata();
      expect({ format: meta.format, width: meta.width, height: meta.height }).toEqual({
        format: r.format,
        width: r.width,
        height: r.height,
      });
      expect(r.bytes).toBe(r.data.length);
    }
  });

  it('writes avif and png, and keeps the source format for "original"', async () => {
    const result = await transcode(
      await fixtures.alphaPng(),
      options({ renditions: [{ name: 'a', format: 'avif' }, { name: 'p', format: 'png' }, { name: 'o', format: 'original' }] }),
    );
    expect(result.renditions.map((r) => (r.format))).toEqual(['avif', 'png', 'png']);
    expect((await sharp(result.renditions[0]!.data).metadata()).format).toBe('heif');
  });

  it('enlarges only when a rendition asks to', async () => {
    const input = await fixtures.photoJpeg(100, 50);
    const result = await transcode(input, options({ renditions: [{ name: 'big', width: 400, format: 'jpeg', enlarge: true }] }));
    expect(result.renditions[0]).toMatchObject({ width: 400, height: 200 });
  });

  it('is deterministic: the same input gives byte-identical outputs', async () => {
    const input = await fixtures.photoJpeg(800, 600);
    const opts = transcodeOptionsSchema.parse({ renditions: DEFAULT_RENDITIONS });
    const [a, b] = await Promise.all([transcode(input, opts), transcode(input, opts)]);
    expect(a.renditions.map((r) => r.data.equals(b.renditions.find((x) => x.name === r.name)!.data))).toEqual([true, true, true]);
  });
});

describe('transcode: colour, orientation, metadata', () => {
  it.each([1, 2, 3, 4, 5, 6, 7, 8])('auto-orients EXIF orientation %i', async (orientation) => {
    const result = await transcode(await fixtures.orientedJpeg(orientation), options());
    const out = result.renditions[0]!;
    const portrait = orientation >= 5;
    expect([out.width, out.height]).toEqual(portrait ? [32, 64] : [64, 32]);
    expect(result.source.orientation).toBe(orientation);
    expect((await sharp(out.data).metadata()).orientation ?? 1).toBe(1);
  });

  it.each([
    [1, 'left', 'red'],
    [2, 'left', 'blue'],
    [3, 'left', 'blue'],
    [6, 'top', 'red'],
    [8, 'top', 'blue'],
  ] as const)('orientation %i shows the %s half %s', async (orientation, side, colour) => {
    const out = (await transcode(await fixtures.orientedJpeg(orientation), options())).renditions[0]!;
    const sample = side === 'left' ? await pixel(out.data, 4, 16) : await pixel(out.data, 16, 4);
    expect(colour === 'red' ? isRed(sample) : isBlue(sample)).toBe(true);
  });

  it('converts CMYK to sRGB', async () => {
    const result = await transcode(await fixtures.cmykJpeg(), options({ renditions: [{ name: 'w', format: 'webp' }] }));
    expect(result.source.space).toBe('cmyk');
    const meta = await sharp(result.renditions[0]!.data).metadata();
    expect(meta.space).toBe('srgb');
    expect(meta.channels).toBe(3);
    // #e03c31 survives the round trip through CMYK as a red.
    const [r, g, b] = await pixel(result.renditions[0]!.data, 10, 10);
    expect(r).toBeGreaterThan(180);
    expect(g).toBeLessThan(110);
    expect(b).toBeLessThan(110);
  });

  it('converts 16-bit PNG to 8-bit sRGB', async () => {
    const result = await transcode(await fixtures.png16(), options());
    expect(result.source.space).toBe('rgb16');
    const meta = await sharp(result.renditions[0]!.data).metadata();
    expect(meta).toMatchObject({ format: 'jpeg', depth: 'uchar', space: 'srgb' });
  });

  it('flattens alpha onto the configured background for JPEG and keeps it for WebP', async () => {
    const result = await transcode(
      await fixtures.alphaPng(),
      options({ background: '#00ff00', renditions: [{ name: 'j', format: 'jpeg' }, { name: 'w', format: 'webp' }] }),
    );
    const [r, g, b] = await pixel(result.renditions[0]!.data, 20, 20);
    expect(g).toBeGreaterThan(200);
    expect(r! + b!).toBeLessThan(60);
    expect((await sharp(result.renditions[1]!.data).metadata()).hasAlpha).toBe(true);
  });

  it('strips EXIF (GPS included) by default and keeps it when asked', async () => {
    const input = await fixtures.jpegWithGps();
    expect((await sharp(input).metadata()).exif).toBeDefined();
    const stripped = await transcode(input, options());
    expect((await sharp(stripped.renditions[0]!.data).metadata()).exif).toBeUndefined();
    const kept = await transcode(input, options({ stripMetadata: false }));
    const exif = (await sharp(kept.renditions[0]!.data).metadata()).exif;
    expect(exif?.toString('latin1')).toContain('KitTestCam');
  });
});

describe('transcode: one decode shared by several renditions', () => {
  const set = (renditions: TranscodeOptionsInput['renditions']) => options({ renditions });

  it('orients and sizes every rendition as a single-rendition run does', async () => {
    const input = await fixtures.orientedJpeg(6);
    const shared = await transcode(input, set([{ name: 'a', format: 'jpeg' }, { name: 'b', width: 16, format: 'png' }]));
    expect(shared.renditions.map((r) => [r.width, r.height])).toEqual([[32, 64], [16, 32]]);
    expect(isRed(await pixel(shared.renditions[0]!.data, 16, 4))).toBe(true);
    expect(isBlue(await pixel(shared.renditions[1]!.data, 8, 28))).toBe(true);
  });

  it('shrinks a large JPEG on load and still makes every size exactly', async () => {
    const input = await fixtures.photoJpeg(2000, 1500);
    const result = await transcode(
      input,
      set([
        { name: 'thumb', width: 100, height: 100, fit: 'cover', format: 'jpeg' },
        { name: 'small', width: 300, format: 'webp' },
      ]),
    );
    expect(result.renditions.map((r) => [r.width, r.height])).toEqual([[100, 100], [300, 225]]);
  });

  it('converts CMYK and flattens alpha on the shared path too', async () => {
    const cmyk = await transcode(await fixtures.cmykJpeg(), set([{ name: 'a', format: 'jpeg' }, { name: 'b', format: 'webp' }]));
    expect((await sharp(cmyk.renditions[1]!.data).metadata()).space).toBe('srgb');
    const alpha = await transcode(await fixtures.alphaPng(), set([{ name: 'j', format: 'jpeg' }, { name: 'p', format: 'png' }]));
    expect(await pixel(alpha.renditions[0]!.data, 5, 5)).toEqual([255, 255, 255]);
    expect((await sharp(alpha.renditions[1]!.data).metadata()).hasAlpha).toBe(true);
  });

  it('gives the same pixels as a one-step resize', async () => {
    const input = await fixtures.photoJpeg(2400, 1800);
    const rendition = { name: 'web', width: 600, format: 'png' as const };
    const alone = (await transcode(input, set([rendition]))).renditions[0]!;
    const shared = (await transcode(input, set([rendition, { name: 'thumb', width: 64, format: 'jpeg' }]))).renditions[0]!;
    const [a, b] = await Promise.all([alone, shared].map((r) => sharp(r.data).raw().toBuffer()));
    expect(a!.length).toBe(b!.length);
    let diff = 0;
    for (let i = 0; i < a!.length; i++) diff += Math.abs(a![i]! - b![i]!);
    // Mean absolute difference per channel in 0-255: resampling order differs, content does not.
    expect(diff / a!.length).toBeLessThan(2);
  });

  it('reports a truncated JPEG as corrupt', async () => {
    const error = await rejection(transcode(await fixtures.truncatedJpeg(), set([{ name: 'a', format: 'jpeg' }, { name: 'b', format: 'webp' }])));
    expect(error.code).toBe(ErrorCode.IMAGE_CORRUPT);
  });
});

describe('transcode: animation', () => {
  it('turns an animated GIF into an animated WebP and a still JPEG', async () => {
    const result = await transcode(
      await fixtures.animatedGif(4, 32),
      options({ renditions: [{ name: 'anim', format: 'webp' }, { name: 'still', format: 'jpeg' }] }),
    );
    expect(result.source).toMatchObject({ format: 'gif', frames: 4, width: 32, height: 32 });
    const [anim, still] = result.renditions;
    expect(anim).toMatchObject({ frames: 4, width: 32, height: 32 });
    expect((await sharp(anim!.data, { animated: true }).metadata()).pages).toBe(4);
    expect(still).toMatchObject({ frames: 1, width: 32, height: 32 });
  });

  it('keeps at most maxFrames frames', async () => {
    const result = await transcode(
      await fixtures.animatedGif(6, 16),
      options({ limits: { maxFrames: 3 }, renditions: [{ name: 'anim', format: 'webp' }] }),
    );
    expect((await sharp(result.renditions[0]!.data, { animated: true }).metadata()).pages).toBe(3);
  });

  it('keeps frame delays and the loop count', async () => {
    const gif = await fixtures.animatedGif(3, 16);
    const source = await sharp(gif, { animated: true }).metadata();
    const result = await transcode(gif, options({ renditions: [{ name: 'anim', format: 'webp' }] }));
    const out = await sharp(result.renditions[0]!.data, { animated: true }).metadata();
    expect(out.delay).toEqual(source.delay);
    expect(out.loop).toBe(source.loop);
  });

  it('does not rotate an animation that carries an EXIF orientation', async () => {
    const webp = await sharp(await fixtures.animatedGif(3, 16), { animated: true }).webp().withMetadata({ orientation: 6 }).toBuffer();
    const result = await transcode(webp, options({ renditions: [{ name: 'anim', format: 'webp' }, { name: 'still', format: 'jpeg' }] }));
    expect(result.renditions.map((r) => r.frames)).toEqual([3, 1]);
  });

  it('treats a multi-page TIFF as a document, not an animation', async () => {
    const tiff = await sharp(await fixtures.animatedGif(2, 16), { animated: true }).tiff().toBuffer();
    const result = await transcode(tiff, options({ renditions: [{ name: 'w', format: 'webp' }] }));
    expect(result.source.frames).toBe(2);
    expect(result.renditions[0]!.frames).toBe(1);
  });

  it('makes a still image when animation is off', async () => {
    const result = await transcode(await fixtures.animatedGif(4, 16), options({ animated: false, renditions: [{ name: 'w', format: 'webp' }] }));
    expect(result.renditions[0]!.frames).toBe(1);
    expect((await sharp(result.renditions[0]!.data, { animated: true }).metadata()).pages ?? 1).toBe(1);
  });
});

describe('transcode: bad input is a permanent error with a stable code', () => {
  it('rejects zero bytes', async () => {
    const error = await rejection(transcode(Buffer.alloc(0), options()));
    expect(error.code).toBe(ErrorCode.IMAGE_EMPTY);
  });

  it('rejects a text file named .jpg by its first bytes', async () => {
    const error = await rejection(transcode(fixtures.textPretendingToBeJpeg, options()));
    expect(error.code).toBe(ErrorCode.IMAGE_NOT_AN_IMAGE);
    expect(error.details).toEqual({ format: 'unknown' });
  });

  it('rejects a PNG signature followed by garbage as corrupt, not as "not an image"', async () => {
    const fake = Buffer.concat([(await fixtures.alphaPng()).subarray(0, 8), Buffer.alloc(100, 7)]);
    const error = await rejection(transcode(fake, options()));
    expect(error.code).toBe(ErrorCode.IMAGE_CORRUPT);
  });

  it('rejects a truncated JPEG as corrupt', async () => {
    const error = await rejection(transcode(await fixtures.truncatedJpeg(), options()));
    expect(error.code).toBe(ErrorCode.IMAGE_CORRUPT);
    expect(error.message).toMatch(/decoded/);
  });

  it('rejects a pixel bomb from its header, before decoding', async () => {
    const bomb = fixtures.pixelBombPng(50_000, 50_000);
    expect(bomb.length).toBeLessThan(2048);
    const error = await rejection(transcode(bomb, options()));
    expect(error.code).toBe(ErrorCode.IMAGE_TOO_MANY_PIXELS);
    expect(error.details).toMatchObject({ width: 50_000, height: 50_000, pixels: 2_500_000_000 });
  });

  it('counts every frame of an animation against the pixel limit', async () => {
    const gif = await fixtures.animatedGif(10, 32); // 10 x 1024 px
    const error = await rejection(transcode(gif, options({ limits: { maxInputPixels: 5000 } })));
    expect(error.code).toBe(ErrorCode.IMAGE_TOO_MANY_PIXELS);
    expect(error.details).toMatchObject({ frames: 10, pixels: 10_240 });
  });

  it('rejects an input over the byte limit', async () => {
    const input = await fixtures.photoJpeg(200, 200);
    const error = await rejection(transcode(input, options({ limits: { maxInputBytes: 1000 } })));
    expect(error.code).toBe(ErrorCode.IMAGE_TOO_LARGE);
  });

  it('rejects a format that is not accepted (SVG by default) from its magic bytes', async () => {
    const error = await rejection(transcode(fixtures.svgImage(), options()));
    expect(error.code).toBe(ErrorCode.IMAGE_UNSUPPORTED_FORMAT);
    expect(error.message).toContain("'svg'");
    expect(error.details).toMatchObject({ format: 'svg', accepted: ['jpeg', 'png', 'webp', 'gif', 'avif', 'tiff'] });
  });

  it('rejects an output over the dimension limit before decoding', async () => {
    const input = await fixtures.photoJpeg(300, 100);
    const error = await rejection(
      transcode(input, options({ limits: { maxOutputDimension: 200 }, renditions: [{ name: 'copy', format: 'png' }] })),
    );
    expect(error.code).toBe(ErrorCode.IMAGE_OUTPUT_TOO_LARGE);
    expect(error.details).toMatchObject({ rendition: 'copy', width: 300, height: 100 });
  });
});

describe('transcode: per-object time budget', () => {
  it('stops a pipeline that runs over its budget with IMAGE_PROCESSING_TIMEOUT (sharp\'s own timeout)', { timeout: 30_000 }, async () => {
    // 48 MP encoded to full-size WebP takes several seconds; sharp kills it at the budget's whole second.
    const input = await fixtures.solidPng(8000, 6000);
    const started = Date.now();
    const error = await rejection(transcode(input, options({ renditions: [{ name: 'full', format: 'webp' }] }), { budgetMs: 200 }));
    expect(error.code).toBe(ErrorCode.IMAGE_PROCESSING_TIMEOUT);
    expect(error.details).toEqual({ budgetMs: 200, stage: "rendition 'full'" });
    expect(error.message).toMatch(/longer than its 200 ms budget/);
    expect((error.cause as Error).message).toMatch(/^timeout/);
    expect(Date.now() - started).toBeLessThan(15_000);
  });

  it('does not start a stage once the budget is spent', async () => {
    const input = await fixtures.photoJpeg(64, 48);
    const now = Date.now();
    // The budget starts at the first reading of the clock; every later reading is past the deadline.
    const clock = vi.spyOn(Date, 'now').mockReturnValueOnce(now).mockReturnValue(now + 60_000);
    try {
      const error = await rejection(
        transcode(input, options({ renditions: [{ name: 'a', format: 'jpeg' }, { name: 'b', width: 8, format: 'png' }] }), { budgetMs: 1000 }),
      );
      expect(error).toMatchObject({ code: ErrorCode.IMAGE_PROCESSING_TIMEOUT, details: { stage: 'decode' } });
    } finally {
      clock.mockRestore();
    }
  });

  it('leaves work inside its budget alone', async () => {
    const input = await fixtures.photoJpeg(320, 240);
    const opts = options({ renditions: [...DEFAULT_RENDITIONS] });
    const [budgeted, free] = await Promise.all([transcode(input, opts, { budgetMs: 60_000 }), transcode(input, opts)]);
    expect(budgeted.renditions.map((r) => r.data.equals(free.renditions.find((x) => x.name === r.name)!.data))).toEqual([true, true, true]);
  });

  it('rejects a budget that is not a positive number of milliseconds', async () => {
    const input = await fixtures.photoJpeg(16, 16);
    for (const budgetMs of [0, -5, Number.NaN]) {
      await expect(transcode(input, options(), { budgetMs })).rejects.toThrow(/budgetMs must be a positive number/);
    }
  });
});

describe('plannedSize', () => {
  const source = { width: 4000, height: 3000 };
  const r = (over: object) => ({ name: 'x', fit: 'inside' as const, format: 'jpeg' as const, quality: 80, enlarge: false, ...over });
  it.each([
    [{ width: 1000 }, 1000, 750],
    [{ height: 300 }, 400, 300],
    [{ width: 500, height: 500, fit: 'inside' }, 500, 375],
    [{ width: 500, height: 500, fit: 'outside' }, 667, 500],
    [{ width: 500, height: 500, fit: 'cover' }, 500, 500],
    [{ width: 8000 }, 4000, 3000],
    [{ width: 8000, enlarge: true }, 8000, 6000],
    [{}, 4000, 3000],
  ])('%o → %ix%i', (over, width, height) => {
    expect(plannedSize(source, r(over))).toEqual({ width, height });
  });
});
