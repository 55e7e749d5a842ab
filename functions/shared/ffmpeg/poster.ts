import sharp from 'sharp';
import type { CapturedFrame } from './capture.ts';
import { frameMetrics } from './frame-metrics.ts';

export interface PosterOptions {
  /** Captured frames looked at, from the start. @default 5 */
  readonly candidates?: number;
  /** Laplacian variance (frame-metrics.ts) a frame needs to count as sharp. @default 100 */
  readonly minSharpness?: number;
  /** Longest side of the thumbnail. @default 320 */
  readonly longSide?: number;
  /** @default 80 */
  readonly jpegQuality?: number;
}

export interface Poster {
  readonly timestamp: number;
  readonly width: number;
  readonly height: number;
  readonly sharpness: number;
  /** False when no candidate reached minSharpness and the sharpest of them was used instead. */
  readonly sharpEnough: boolean;
  readonly jpeg: Buffer;
}

/**
 * The poster of a clip: the first sharp frame among its first few captured frames (camera clips
 * open on a blurred, still-focusing picture), as a JPEG thumbnail; the sharpest candidate when
 * none is sharp. Undefined for no frames.
 */
export async function poster(frames: readonly CapturedFrame[], options: PosterOptions = {}): Promise<Poster | undefined> {
  const candidates = [...frames].sort((a, b) => a.timestamp - b.timestamp).slice(0, options.candidates ?? 5);
  if (candidates.length === 0) return undefined;
  const minSharpness = options.minSharpness ?? 100;
  let chosen: { frame: CapturedFrame; sharpness: number } | undefined;
  let sharpest: { frame: CapturedFrame; sharpness: number } | undefined;
  for (const frame of candidates) {
    const { sharpness } = await frameMetrics(frame.jpeg);
    if (!sharpest || sharpness > sharpest.sharpness) sharpest = { frame, sharpness };
    if (sharpness >= minSharpness) {
      chosen = { frame, sharpness };
      break;
    }
  }
  const pick = chosen ?? sharpest!;
  const side = options.longSide ?? 320;
  const { data, info } = await sharp(pick.frame.jpeg)
    .resize(side, side, { fit: 'inside', withoutEnlargement: true })
    .jpeg({ quality: options.jpegQuality ?? 80, mozjpeg: false })
    .toBuffer({ resolveWithObject: true });
  return { timestamp: pick.frame.timestamp, width: info.width, height: info.height, sharpness: pick.sharpness, sharpEnough: chosen !== undefined, jpeg: data };
}
