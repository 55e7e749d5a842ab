import sharp from 'sharp';

/**
 * Two numbers per frame that let the pipeline drop near-duplicates and pick a poster: a 128-bit
 * perceptual hash and a sharpness score (variance of the 4-neighbour Laplacian of a greyscale copy
 * with a fixed long side, so frames of any size are comparable).
 *
 * The hash is a 64-bit dHash (does each pixel of a 9x8 greyscale thumbnail outshine its right-hand
 * neighbour) followed by a 64-bit aHash (is each pixel of an 8x8 thumbnail above the mean). A dHash
 * alone sees flat areas as runs of zeros, so a flat colour card and a mostly flat test pattern
 * came out 5 bits apart of 64; the aHash half tells their layouts apart.
 */
export interface FrameMetrics {
  readonly hash: bigint;
  readonly sharpness: number;
}

/** Long side the sharpness is measured at. */
const SHARPNESS_SIDE = 256;

export async function frameMetrics(jpeg: Buffer): Promise<FrameMetrics> {
  const { data, info } = await sharp(jpeg)
    .resize(SHARPNESS_SIDE, SHARPNESS_SIDE, { fit: 'inside' })
    .greyscale()
    .toColourspace('b-w') // one channel out (sharp writes raw greyscale as three by default)
    .raw()
    .toBuffer({ resolveWithObject: true });
  if (info.channels !== 1) throw new Error(`expected one greyscale channel, got ${info.channels}`);
  const raw = { raw: { width: info.width, height: info.height, channels: 1 as const } };
  const [wide, square] = await Promise.all([
    sharp(data, raw).resize(9, 8, { fit: 'fill', kernel: 'cubic' }).toColourspace('b-w').raw().toBuffer(),
    sharp(data, raw).resize(8, 8, { fit: 'fill', kernel: 'cubic' }).toColourspace('b-w').raw().toBuffer(),
  ]);
  return { hash: (differenceHash(wide) << 64n) | averageHash(square), sharpness: laplacianVariance(data, info.width, info.height) };
}

/** 9x8 greyscale pixels → 64 bits, row-major. */
export function differenceHash(pixels9x8: Uint8Array): bigint {
  let hash = 0n;
  for (let y = 0; y < 8; y++) {
    for (let x = 0; x < 8; x++) {
      hash = (hash << 1n) | (pixels9x8[y * 9 + x]! > pixels9x8[y * 9 + x + 1]! ? 1n : 0n);
    }
  }
  return hash;
}

/** 8x8 greyscale pixels → 64 bits: above the thumbnail's mean or not. */
export function averageHash(pixels8x8: Uint8Array): bigint {
  const mean = pixels8x8.reduce((sum, p) => sum + p, 0) / 64;
  let hash = 0n;
  for (let i = 0; i < 64; i++) hash = (hash << 1n) | (pixels8x8[i]! > mean ? 1n : 0n);
  return hash;
}

/** Bits of the hash (the denominator of a Hamming threshold given as a fraction). */
export const HASH_BITS = 128;

export function hammingDistance(a: bigint, b: bigint): number {
  let diff = a ^ b;
  let count = 0;
  while (diff) {
    diff &= diff - 1n;
    count++;
  }
  return count;
}

/** Variance of the Laplacian over interior pixels: high for crisp edges, near zero for blur. */
export function laplacianVariance(grey: Uint8Array, width: number, height: number): number {
  if (width < 3 || height < 3) return 0;
  let sum = 0;
  let sumSquares = 0;
  let n = 0;
  for (let y = 1; y < height - 1; y++) {
    for (let x = 1; x < width - 1; x++) {
      const i = y * width + x;
      const value = grey[i - width]! + grey[i + width]! + grey[i - 1]! + grey[i + 1]! - 4 * grey[i]!;
      sum += value;
      sumSquares += value * value;
      n++;
    }
  }
  const mean = sum / n;
  return sumSquares / n - mean * mean;
}
