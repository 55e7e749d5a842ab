import type { CapturedFrame } from '../shared/ffmpeg/capture.ts';
import { type FrameMetrics, frameMetrics, HASH_BITS, hammingDistance } from '../shared/ffmpeg/frame-metrics.ts';

export interface ScoredFrame extends CapturedFrame {
  readonly metrics: FrameMetrics;
}

export interface KeptFrame extends ScoredFrame {
  /** First and last timestamp of the run of near-duplicates this frame stands for. */
  readonly runStart: number;
  readonly runEnd: number;
  /** Frames in the run, this one included. */
  readonly runLength: number;
}

export const scoreFrames = (frames: readonly CapturedFrame[]): Promise<ScoredFrame[]> =>
  Promise.all(frames.map(async (frame) => ({ ...frame, metrics: await frameMetrics(frame.jpeg) })));

/**
 * Collapses each run of consecutive near-duplicates (hash within `hammingThreshold` × 128 bits of
 * the run's first frame) into its sharpest frame. Comparing with the run's first frame, not the
 * previous one, keeps a slow pan from chaining into one endless "duplicate".
 */
export function dedupeFrames(frames: readonly ScoredFrame[], hammingThreshold: number): KeptFrame[] {
  const maxBits = Math.floor(hammingThreshold * HASH_BITS);
  const kept: KeptFrame[] = [];
  let run: ScoredFrame[] = [];
  const close = () => {
    if (run.length === 0) return;
    const sharpest = run.reduce((best, frame) => (frame.metrics.sharpness > best.metrics.sharpness ? frame : best));
    kept.push({ ...sharpest, runStart: run[0]!.timestamp, runEnd: run.at(-1)!.timestamp, runLength: run.length });
    run = [];
  };
  for (const frame of frames) {
    if (run.length > 0 && hammingDistance(run[0]!.metrics.hash, frame.metrics.hash) > maxBits) close();
    run.push(frame);
  }
  close();
  return kept;
}

/** Every frame as its own run: the shape dedupe returns, for when it is off. */
export const keepAll = (frames: readonly ScoredFrame[]): KeptFrame[] =>
  frames.map((frame) => ({ ...frame, runStart: frame.timestamp, runEnd: frame.timestamp, runLength: 1 }));
