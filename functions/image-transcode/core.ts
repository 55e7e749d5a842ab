import sharp, { type Metadata, type Sharp } from 'sharp';
import { ErrorCode, PermanentError } from '../shared/errors.ts';
import { sniff } from '../shared/sniff.ts';
import { INPUT_FORMATS, type Rendition, type TranscodeOptions } from './options.ts';

/**
 * The image pipeline's pure core: bytes in, renditions out. No AWS here, so it is unit-tested on
 * real sharp and benchmarked against plain sharp without a queue in sight.
 */

export type EncodedFormat = 'jpeg' | 'webp' | 'avif' | 'png' | 'gif';

export interface SourceInfo {
  readonly format: string;
  /** Width and height as displayed, i.e. after EXIF orientation; height is one frame's. */
  readonly width: number;
  readonly height: number;
  readonly frames: number;
  readonly bytes: number;
  readonly orientation: number;
  readonly hasAlpha: boolean;
  readonly space: string;
}

export interface RenditionOutput {
  readonly name: string;
  readonly format: EncodedFormat;
  readonly extension: string;
  readonly contentType: string;
  readonly width: number;
  readonly height: number;
  readonly frames: number;
  readonly bytes: number;
  readonly data: Buffer;
}

export interface TranscodeResult {
  readonly source: SourceInfo;
  readonly renditions: readonly RenditionOutput[];
}

const CONTENT_TYPES: Record<EncodedFormat, string> = {
  jpeg: 'image/jpeg',
  webp: 'image/webp',
  avif: 'image/avif',
  png: 'image/png',
  gif: 'image/gif',
};
const EXTENSIONS: Record<EncodedFormat, string> = { jpeg: 'jpg', webp: 'webp', avif: 'avif', png: 'png', gif: 'gif' };
const ANIMATED_FORMATS = new Set<EncodedFormat>(['webp', 'gif']);
/** Sources whose pages are animation frames; a multi-page TIFF is a document, not an animation. */
const ANIMATED_SOURCES = new Set<string>(['gif', 'webp']);
const ALPHA_FORMATS = new Set<EncodedFormat>(['webp', 'avif', 'png', 'gif']);
/** Formats that browsers show and sharp writes: 'original' keeps these, anything else becomes jpeg/png. */
const WEB_FORMATS = new Set<string>(['jpeg', 'webp', 'avif', 'png', 'gif']);

/**
 * The libvips loaders the kit may ever use: the Buffer loaders of INPUT_FORMATS. Every other
 * loader (SVG/librsvg, PDF/poppler, ImageMagick, OpenSlide, FITS, Matlab, CSV, matrix, vips,
 * Ultra HDR, …) is blocked for the whole process as soon as this module loads, so not even a
 * direct sharp() call elsewhere in the function can hand untrusted bytes to them.
 */
export const ALLOWED_LOADERS: Readonly<Record<(typeof INPUT_FORMATS)[number], string>> = {
  jpeg: 'VipsForeignLoadJpegBuffer',
  png: 'VipsForeignLoadPngBuffer',
  webp: 'VipsForeignLoadWebpBuffer',
  gif: 'VipsForeignLoadNsgifBuffer',
  avif: 'VipsForeignLoadHeifBuffer',
  tiff: 'VipsForeignLoadTiffBuffer',
};
sharp.block({ operation: ['VipsForeignLoad'] });
sharp.unblock({ operation: Object.values(ALLOWED_LOADERS) });

/** Per-call limits that are not part of the pipeline's settings. */
export interface TranscodeRun {
  /**
   * Wall-clock budget for this object in milliseconds, from the call. Every sharp pipeline gets
   * sharp's own timeout for what is left of it (rounded up to whole seconds, sharp's unit), and a
   * stage that would start with nothing left is not started; either way the call fails with a
   * PermanentError IMAGE_PROCESSING_TIMEOUT. Omitted: no budget.
   */
  readonly budgetMs?: number;
}

export async function transcode(input: Buffer, options: TranscodeOptions, run: TranscodeRun = {}): Promise<TranscodeResult> {
  const budget = new Budget(run.budgetMs);
  const source = await inspect(input, options);
  for (const rendition of options.renditions) {
    const planned = plannedSize(source, rendition);
    const largest = Math.max(planned.width, planned.height);
    if (largest > options.limits.maxOutputDimension) {
      throw new PermanentError(
        ErrorCode.IMAGE_OUTPUT_TOO_LARGE,
        `Rendition '${rendition.name}' would be ${planned.width}x${planned.height}, over the ${options.limits.maxOutputDimension} px limit`,
        { rendition: rendition.name, ...planned, maxOutputDimension: options.limits.maxOutputDimension },
      );
    }
  }
  const decoded = sharesDecode(source, options) ? await decodeOnce(input, source, options, budget) : undefined;
  const renditions = await Promise.all(options.renditions.map((r) => render(decoded ?? input, source, r, options, budget)));
  return { source, renditions };
}

/** A deadline shared by every pipeline of one transcode call. */
class Budget {
  private readonly deadline: number | undefined;

  constructor(private readonly budgetMs: number | undefined) {
    if (budgetMs !== undefined && !(Number.isFinite(budgetMs) && budgetMs > 0)) {
      throw new RangeError(`budgetMs must be a positive number of milliseconds, got ${budgetMs}`);
    }
    this.deadline = budgetMs === undefined ? undefined : Date.now() + budgetMs;
  }

  /** Applies sharp's timeout for the time left, or fails now if none is left. */
  apply(image: Sharp, stage: string): Sharp {
    if (this.deadline === undefined) return image;
    const left = this.deadline - Date.now();
    if (left <= 0) throw this.exceeded(stage);
    return image.timeout({ seconds: Math.min(3600, Math.ceil(left / 1000)) });
  }

  /** sharp reports its timeout as an Error whose message starts with 'timeout'. */
  isTimeout(error: unknown): boolean {
    return this.deadline !== undefined && error instanceof Error && /^timeout\b/i.test(error.message);
  }

  exceeded(stage: string, cause?: unknown): PermanentError {
    return new PermanentError(
      ErrorCode.IMAGE_PROCESSING_TIMEOUT,
      `Processing the image took longer than its ${this.budgetMs} ms budget (stopped in ${stage})`,
      { budgetMs: this.budgetMs, stage },
      { cause },
    );
  }
}

/** Pixels decoded once, oriented, in 8-bit sRGB, at the smallest scale every rendition can be made from. */
interface Decoded {
  readonly data: Buffer;
  readonly info: { width: number; height: number; channels: 1 | 2 | 3 | 4 };
}

/**
 * Still images are decoded once for all renditions (animations and kept metadata go per rendition,
 * which raw pixels cannot carry). JPEG shrink-on-load picks the same power-of-two scale sharp
 * would pick for the largest rendition, so outputs match a one-step resize.
 */
function sharesDecode(source: SourceInfo, options: TranscodeOptions): boolean {
  return source.frames === 1 && options.stripMetadata && options.renditions.length > 1;
}

async function decodeOnce(input: Buffer, source: SourceInfo, options: TranscodeOptions, budget: Budget): Promise<Decoded> {
  const scale = Math.max(...options.renditions.map((r) => requiredScale(source, r)));
  const shrink = source.format === 'jpeg' ? ([8, 4, 2].find((s) => 1 / s >= scale) ?? 1) : 1;
  let image = sharp(input, { limitInputPixels: options.limits.maxInputPixels, failOn: 'warning' }).autoOrient();
  if (shrink > 1) {
    image = image.resize(Math.ceil(source.width / shrink), Math.ceil(source.height / shrink), { fit: 'fill' });
  }
  image = budget.apply(image.toColourspace('srgb').raw(), 'decode');
  try {
    const { data, info } = await image.toBuffer({ resolveWithObject: true });
    return { data, info: { width: info.width, height: info.height, channels: info.channels } };
  } catch (error) {
    throw budget.isTimeout(error) ? budget.exceeded('decode', error) : corrupt(error);
  }
}

/** How much of the source's resolution a rendition needs (1 = full size). */
function requiredScale(source: Pick<SourceInfo, 'width' | 'height'>, r: Rendition): number {
  const planned = plannedSize(source, r);
  if (r.width && r.height && (r.fit === 'cover' || r.fit === 'fill' || r.fit === 'contain')) {
    const covering = Math.max(r.width / source.width, r.height / source.height);
    return r.enlarge ? covering : Math.min(1, covering);
  }
  return Math.max(planned.width / source.width, planned.height / source.height);
}

/**
 * Identifies the format from the magic bytes, then reads the header only and enforces every input
 * limit before a pixel is decoded. A format outside `inputFormats` is refused while it is still
 * bytes: SVG never reaches librsvg, PDF never reaches poppler, unknown bytes reach no loader.
 */
async function inspect(input: Buffer, options: TranscodeOptions): Promise<SourceInfo> {
  const { limits } = options;
  if (input.length === 0) {
    throw new PermanentError(ErrorCode.IMAGE_EMPTY, 'The input is empty (0 bytes)');
  }
  if (input.length > limits.maxInputBytes) {
    throw new PermanentError(
      ErrorCode.IMAGE_TOO_LARGE,
      `The input is ${input.length} bytes, over the ${limits.maxInputBytes} byte limit`,
      { bytes: input.length, maxInputBytes: limits.maxInputBytes },
    );
  }
  refuseUnaccepted(sniffedImageFormat(input), options);
  let meta: Metadata;
  try {
    meta = await sharp(input, { animated: true, limitInputPixels: false }).metadata();
  } catch (error) {
    // The signature matched an accepted format, so a header the loader cannot read is a broken file.
    const message = error instanceof Error ? error.message : String(error);
    throw new PermanentError(ErrorCode.IMAGE_CORRUPT, `The image header cannot be read: ${message}`, {}, { cause: error });
  }
  // The container can hide its codec (HEIF holds AV1 or HEVC): judge the decoder's view too.
  refuseUnaccepted(sourceFormat(meta), options);
  const format = sourceFormat(meta);
  if (!meta.width || !meta.height) {
    throw new PermanentError(ErrorCode.IMAGE_CORRUPT, 'The image header has no dimensions');
  }
  const frames = meta.pages ?? 1;
  const frameHeight = meta.pageHeight ?? meta.height;
  const pixels = meta.width * frameHeight * frames;
  if (pixels > limits.maxInputPixels) {
    throw new PermanentError(
      ErrorCode.IMAGE_TOO_MANY_PIXELS,
      `The image has ${pixels} pixels (${meta.width}x${frameHeight}${frames > 1 ? ` x ${frames} frames` : ''}), over the ${limits.maxInputPixels} pixel limit`,
      { width: meta.width, height: frameHeight, frames, pixels, maxInputPixels: limits.maxInputPixels },
    );
  }
  const orientation = meta.orientation ?? 1;
  const swapped = orientation >= 5 && orientation <= 8;
  return {
    format,
    width: swapped ? frameHeight : meta.width,
    height: swapped ? meta.width : frameHeight,
    frames,
    bytes: input.length,
    orientation,
    hasAlpha: meta.hasAlpha ?? false,
    space: meta.space ?? 'unknown',
  };
}

/** The image format by magic bytes; anything that is not an image is refused here. */
function sniffedImageFormat(input: Buffer): string {
  const sniffed = sniff(input);
  if (sniffed.kind === 'image' || sniffed.format === 'pdf') return sniffed.format;
  throw new PermanentError(
    ErrorCode.IMAGE_NOT_AN_IMAGE,
    sniffed.format === 'unknown'
      ? 'The input is not an image in any format the kit reads (no known signature in its first bytes)'
      : `The input is ${sniffed.format === 'json' ? 'JSON' : `a ${sniffed.format} ${sniffed.kind}`}, not an image`,
    { format: sniffed.format },
  );
}

function refuseUnaccepted(format: string, options: TranscodeOptions): void {
  if ((options.inputFormats as readonly string[]).includes(format)) return;
  throw new PermanentError(
    ErrorCode.IMAGE_UNSUPPORTED_FORMAT,
    format === 'heic'
      ? 'HEIC (HEVC-coded HEIF) is not supported: convert to JPEG or AVIF before upload'
      : `Input format '${format}' is not accepted (accepted: ${options.inputFormats.join(', ')})`,
    { format, accepted: options.inputFormats },
  );
}

function sourceFormat(meta: Metadata): string {
  if (meta.format === 'heif') return meta.compression === 'av1' ? 'avif' : 'heic';
  return meta.format ?? 'unknown';
}

/** The output size sharp will produce, computed before decoding so limits apply up front. */
export function plannedSize(source: Pick<SourceInfo, 'width' | 'height'>, r: Rendition): { width: number; height: number } {
  const { width: w, height: h } = source;
  if (!r.width && !r.height) return { width: w, height: h };
  const cap = (scale: number) => (r.enlarge ? scale : Math.min(scale, 1));
  if (!r.width || !r.height) {
    const scale = cap(r.width ? r.width / w : r.height! / h);
    return { width: Math.max(1, Math.round(w * scale)), height: Math.max(1, Math.round(h * scale)) };
  }
  if (r.fit === 'inside' || r.fit === 'outside') {
    const ratio = r.fit === 'inside' ? Math.min(r.width / w, r.height / h) : Math.max(r.width / w, r.height / h);
    const scale = cap(ratio);
    return { width: Math.max(1, Math.round(w * scale)), height: Math.max(1, Math.round(h * scale)) };
  }
  if (!r.enlarge && (r.width > w || r.height > h)) {
    return { width: Math.min(r.width, w), height: Math.min(r.height, h) };
  }
  return { width: r.width, height: r.height };
}

function outputFormat(requested: Rendition['format'], source: SourceInfo): EncodedFormat {
  if (requested !== 'original') return requested;
  if (WEB_FORMATS.has(source.format)) return source.format as EncodedFormat;
  return source.hasAlpha ? 'png' : 'jpeg';
}

async function render(
  input: Buffer | Decoded,
  source: SourceInfo,
  r: Rendition,
  options: TranscodeOptions,
  budget: Budget,
): Promise<RenditionOutput> {
  const format = outputFormat(r.format, source);
  const animated = options.animated && source.frames > 1 && ANIMATED_SOURCES.has(source.format) && ANIMATED_FORMATS.has(format);
  const frames = animated ? Math.min(source.frames, options.limits.maxFrames) : 1;
  const alpha = ALPHA_FORMATS.has(format);

  let image: Sharp;
  if (!Buffer.isBuffer(input)) {
    // Limits were checked on the source; the decoded pixels must not meet sharp's own default cap.
    image = sharp(input.data, { raw: input.info, limitInputPixels: false });
  } else {
    image = sharp(input, { animated, pages: frames, limitInputPixels: options.limits.maxInputPixels, failOn: 'warning' });
    // libvips cannot rotate a multi-page image; animation formats carry no EXIF orientation anyway.
    if (!animated) image = image.autoOrient();
  }
  if (r.width || r.height) {
    image = image.resize({
      width: r.width,
      height: r.height,
      fit: r.fit,
      withoutEnlargement: !r.enlarge,
      background: alpha ? { r: 0, g: 0, b: 0, alpha: 0 } : options.background,
    });
  }
  image = image.toColourspace('srgb');
  if (!alpha) image = image.flatten({ background: options.background });
  if (!options.stripMetadata) image = image.keepMetadata();
  image = budget.apply(encode(image, format, r.quality), `rendition '${r.name}'`);

  try {
    const { data, info } = await image.toBuffer({ resolveWithObject: true });
    return {
      name: r.name,
      format,
      extension: EXTENSIONS[format],
      contentType: CONTENT_TYPES[format],
      width: info.width,
      height: info.pageHeight ?? info.height,
      frames,
      bytes: data.length,
      data,
    };
  } catch (error) {
    throw budget.isTimeout(error) ? budget.exceeded(`rendition '${r.name}'`, error) : corrupt(error, { rendition: r.name });
  }
}

/**
 * Decoding runs on bytes in memory, so a decode failure is the input's fault, except running out
 * of memory: that one is rethrown as it is, to be retried and dead-lettered if it persists.
 */
function corrupt(error: unknown, details: Record<string, unknown> = {}): Error {
  const message = error instanceof Error ? error.message : String(error);
  if (/out of memory|cannot allocate|memory allocation/i.test(message)) {
    return error instanceof Error ? error : new Error(message);
  }
  return new PermanentError(ErrorCode.IMAGE_CORRUPT, `The image cannot be decoded: ${message}`, details, { cause: error });
}

function encode(image: Sharp, format: EncodedFormat, quality: number): Sharp {
  switch (format) {
    case 'jpeg':
      return image.jpeg({ quality, mozjpeg: false });
    case 'webp':
      return image.webp({ quality });
    // Effort 2 keeps AVIF within a Lambda-sized time budget (notes/toolchain.md: ~1 image/s at 1920 px).
    case 'avif':
      return image.avif({ quality, effort: 2 });
    case 'png':
      return image.png();
    case 'gif':
      return image.gif();
  }
}
