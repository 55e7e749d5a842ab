import sharp from 'sharp';
import { type ImageFormat, sniffImageFormat } from './image-format.ts';
import type { ModelInput } from './image-model.ts';

/**
 * Untrusted image bytes → the model's input. Identified by magic bytes first, pixel count read
 * from the header second, decoded last, so a hostile file is refused before it costs a decode.
 */

export type Normalization = 'unit' | 'symmetric' | 'raw';

export interface PreprocessOptions {
  readonly inputSize: number;
  /** 'unit' maps 0..255 to 0..1 (nsfwjs), 'symmetric' to -1..1 (Keras MobileNet), 'raw' keeps 0..255. */
  readonly normalization: Normalization;
  /** Sources over this many pixels (width x height as stored) are refused before decoding. */
  readonly maxPixels: number;
}

export type ModelInputProblem = 'not-an-image' | 'too-many-pixels' | 'corrupt';

/** Why an image cannot be fed to a model; callers map `problem` onto their pipeline's codes. */
export class ModelInputError extends Error {
  override readonly name = 'ModelInputError';
  constructor(
    readonly problem: ModelInputProblem,
    message: string,
    readonly details: Record<string, unknown> = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** 50 MP, imgproxy's default source limit: a generous photo, far below a decompression bomb. */
export const DEFAULT_MAX_INPUT_PIXELS = 50_000_000;

export async function preprocessImage(bytes: Uint8Array, options: PreprocessOptions): Promise<ModelInput> {
  const format = sniffImageFormat(bytes);
  if (format === undefined) {
    throw new ModelInputError('not-an-image', `Not an image: the first bytes match no supported image format (${describeStart(bytes)})`, {
      bytes: bytes.length,
      firstBytes: hex(bytes.subarray(0, 8)),
    });
  }
  const { width, height, displayed } = await readSize(bytes, format);
  if (width * height > options.maxPixels) {
    throw new ModelInputError('too-many-pixels', `Image is ${width}x${height} (${width * height} pixels), over the ${options.maxPixels} pixel limit`, {
      width,
      height,
      pixels: width * height,
      maxPixels: options.maxPixels,
    });
  }
  const size = options.inputSize;
  let pixels: Buffer;
  try {
    // fill (not cover) matches how nsfwjs feeds its model: the whole frame, stretched to a square.
    pixels = await sharp(bytes, { limitInputPixels: options.maxPixels, failOn: 'error', pages: 1 })
      .autoOrient()
      .flatten({ background: '#ffffff' })
      .toColourspace('srgb')
      .resize(size, size, { fit: 'fill' })
      .removeAlpha()
      .raw()
      .toBuffer();
  } catch (error) {
    throw new ModelInputError('corrupt', `Image could not be decoded as ${format}: ${(error as Error).message}`, { format }, { cause: error });
  }
  if (pixels.length !== size * size * 3) {
    throw new ModelInputError('corrupt', `Decoded ${pixels.length} bytes where ${size}x${size} RGB needs ${size * size * 3}`, { format });
  }
  return { data: normalize(pixels, options.normalization), shape: [size, size, 3], source: { ...displayed, format } };
}

async function readSize(bytes: Uint8Array, format: ImageFormat) {
  try {
    const meta = await sharp(bytes, { limitInputPixels: false, pages: 1 }).metadata();
    if (!meta.width || !meta.height) throw new Error('no dimensions in the header');
    // pageHeight: an animated image stacks its frames; one frame is what the model sees.
    const height = meta.pageHeight ?? meta.height;
    // Animations carry no EXIF orientation; a still reports its displayed size in autoOrient.
    const displayed = meta.pageHeight === undefined && meta.autoOrient ? { width: meta.autoOrient.width, height: meta.autoOrient.height } : { width: meta.width, height };
    return { width: meta.width, height, displayed };
  } catch (error) {
    throw new ModelInputError('corrupt', `Image header could not be read as ${format}: ${(error as Error).message}`, { format }, { cause: error });
  }
}

function normalize(pixels: Buffer, normalization: Normalization): Float32Array {
  const out = new Float32Array(pixels.length);
  if (normalization === 'unit') for (let i = 0; i < pixels.length; i++) out[i] = pixels[i]! / 255;
  else if (normalization === 'symmetric') for (let i = 0; i < pixels.length; i++) out[i] = pixels[i]! / 127.5 - 1;
  else for (let i = 0; i < pixels.length; i++) out[i] = pixels[i]!;
  return out;
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

function describeStart(bytes: Uint8Array): string {
  return bytes.length === 0 ? 'zero bytes' : `starts with 0x${hex(bytes.subarray(0, 8))}`;
}
