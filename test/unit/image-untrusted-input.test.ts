import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import sharp from 'sharp';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { ALLOWED_LOADERS, transcode } from '../../functions/image-transcode/core.ts';
import { transcodeOptionsSchema } from '../../functions/image-transcode/options.ts';
import { ErrorCode, PermanentError } from '../../functions/shared/errors.ts';
import * as fixtures from '../fixtures/images.ts';

/**
 * Untrusted bytes the kit must refuse before any decoder parses them. sharp is wrapped so the test
 * sees every input handed to it: "refused without being parsed" means sharp never saw the bytes.
 */
const seen = vi.hoisted(() => [] as unknown[]);
vi.mock('sharp', async (importOriginal) => {
  const original = ((await importOriginal()) as { default: typeof import('sharp') }).default;
  const wrapped = Object.assign((input?: unknown, options?: unknown) => {
    seen.push(input);
    return (original as unknown as (...args: unknown[]) => unknown)(input, options);
  }, original);
  return { default: wrapped };
});

const options = transcodeOptionsSchema.parse({ renditions: [{ name: 'out', format: 'png' }] });

async function refusal(input: Buffer): Promise<{ error: PermanentError; ms: number }> {
  const started = performance.now();
  const error = await transcode(input, options).then(
    () => undefined,
    (e: unknown) => e,
  );
  const ms = performance.now() - started;
  expect(error).toBeInstanceOf(PermanentError);
  return { error: error as PermanentError, ms };
}

/** Renders an SVG in a fresh process where nothing is blocked; resolves how that run ended. */
function renderInFreshProcess(svg: Buffer, killAfterMs: number): Promise<'finished' | 'killed' | 'failed'> {
  const sharpPath = createRequire(import.meta.url).resolve('sharp');
  const script = `const sharp = require(${JSON.stringify(sharpPath)});
    const chunks = []; process.stdin.on('data', (c) => chunks.push(c)).on('end', () =>
      sharp(Buffer.concat(chunks), { limitInputPixels: false }).png().toBuffer().then(() => process.exit(0), () => process.exit(3)));`;
  return new Promise((resolve) => {
    const child = execFile(process.execPath, ['-e', script], { timeout: killAfterMs, killSignal: 'SIGKILL' }, (error) => {
      if (!error) resolve('finished');
      else resolve(error.killed ? 'killed' : 'failed');
    });
    child.stdin!.end(svg);
  });
}

beforeEach(() => {
  seen.length = 0;
});

describe('untrusted input is identified by its magic bytes before sharp sees it', () => {
  it('the render-bomb SVG really is one: librsvg is still busy when killed after 2 s', { timeout: 20_000 }, async () => {
    expect(await renderInFreshProcess(fixtures.svgRenderBomb(), 2000)).toBe('killed');
  });

  it.each([
    ['a render-bomb SVG', fixtures.svgRenderBomb()],
    ['a billion-laughs SVG', fixtures.svgBillionLaughs()],
    ['an SVG nested 100 000 deep', fixtures.svgDeepNesting()],
    ['the plain SVG fixture', fixtures.svgImage()],
  ])('refuses %s as IMAGE_UNSUPPORTED_FORMAT without handing it to sharp', async (_name, svg) => {
    const { error, ms } = await refusal(svg);
    expect(error.code).toBe(ErrorCode.IMAGE_UNSUPPORTED_FORMAT);
    expect(error.details).toMatchObject({ format: 'svg' });
    expect(seen).toEqual([]);
    // Refused from the first bytes: a bounded scan, not a render (which takes minutes, above).
    expect(ms).toBeLessThan(1000);
  });

  it('refuses a hostile PDF as IMAGE_UNSUPPORTED_FORMAT without handing it to sharp', async () => {
    const pdf = fixtures.pdfBomb();
    const { error } = await refusal(pdf);
    expect(error.code).toBe(ErrorCode.IMAGE_UNSUPPORTED_FORMAT);
    expect(error.message).toContain("'pdf'");
    expect(seen).toEqual([]);
  });

  it('refuses HEIC by its ftyp brand with the conversion hint', async () => {
    const { error } = await refusal(fixtures.heicLike());
    expect(error.code).toBe(ErrorCode.IMAGE_UNSUPPORTED_FORMAT);
    expect(error.message).toMatch(/HEIC .*convert to JPEG or AVIF/);
    expect(seen).toEqual([]);
  });

  it('(control) an accepted image does reach sharp, so an empty record above means something', async () => {
    const png = await fixtures.alphaPng();
    seen.length = 0;
    await transcode(png, options);
    expect(seen).toContain(png);
  });

  it('refuses a format the config left out, before decoding', async () => {
    const png = await fixtures.alphaPng();
    seen.length = 0;
    const error = await transcode(png, { ...options, inputFormats: ['jpeg'] }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: ErrorCode.IMAGE_UNSUPPORTED_FORMAT, details: { format: 'png', accepted: ['jpeg'] } });
    expect(seen).toEqual([]);
  });

  it.each([
    ['text', fixtures.textPretendingToBeJpeg, /no known signature/],
    ['JSON', Buffer.from('{"battleId":"b-1"}'), /JSON, not an image/],
    ['an MPEG-TS video', Buffer.alloc(188 * 3, 0).fill(0x47, 0, 1).fill(0x47, 188, 189).fill(0x47, 376, 377), /mpegts video/],
  ])('refuses %s as IMAGE_NOT_AN_IMAGE without handing it to sharp', async (_name, input, message) => {
    const { error } = await refusal(input);
    expect(error.code).toBe(ErrorCode.IMAGE_NOT_AN_IMAGE);
    expect(error.message).toMatch(message);
    expect(seen).toEqual([]);
  });

  it('calls a file with a known signature but a broken body corrupt', async () => {
    const fake = Buffer.concat([Buffer.from('RIFF\0\0\0\0WEBPVP8 ', 'latin1'), Buffer.alloc(64, 1)]);
    const { error } = await refusal(fake);
    expect(error.code).toBe(ErrorCode.IMAGE_CORRUPT);
  });
});

describe('loaders the kit never uses are blocked in sharp itself', () => {
  it('a direct sharp() call cannot load an SVG once the core is loaded', async () => {
    await expect(sharp(fixtures.svgImage()).metadata()).rejects.toThrow(/unsupported image format/);
    await expect(sharp(fixtures.svgImage()).png().toBuffer()).rejects.toThrow(/unsupported image format/);
  });

  it('every accepted format still loads', async () => {
    const base = sharp({ create: { width: 8, height: 8, channels: 3, background: '#08f' } });
    const encoded = await Promise.all([
      base.clone().jpeg().toBuffer(),
      base.clone().png().toBuffer(),
      base.clone().webp().toBuffer(),
      base.clone().gif().toBuffer(),
      base.clone().avif().toBuffer(),
      base.clone().tiff().toBuffer(),
    ]);
    const formats = await Promise.all(encoded.map(async (b) => (await sharp(b).metadata()).format));
    expect(formats).toEqual(['jpeg', 'png', 'webp', 'gif', 'heif', 'tiff']);
    expect(Object.keys(ALLOWED_LOADERS).sort()).toEqual(['avif', 'gif', 'jpeg', 'png', 'tiff', 'webp']);
  });
});
