import type { CaptureRequest } from '../shared/ffmpeg/capture.ts';
import type { CaptureOptions } from './options.ts';

export interface CapturePlan {
  readonly request: CaptureRequest;
  /** `interval` only: seconds between planned frames (wider than asked when maxFrames binds). */
  readonly spacingSeconds?: number;
  /** `interval` only: the plan was spread out to stay within maxFrames. */
  readonly spread?: boolean;
}

/**
 * Turns a strategy into an ffmpeg capture request.
 * - interval: one input seek per frame at 0, N, 2N, … inside the duration (snapping to a keyframe
 *   up to N/2 before each time unless snapToKeyframes is off); when that would exceed
 *   maxFrames the frames are spread evenly over the whole video instead of stopping early, so
 *   the end of a long video is still looked at. Without a known duration it falls back to one
 *   decoding pass that keeps a frame every N s.
 * - keyframes / scene: the first maxFrames the decoder yields.
 */
export function planCapture(options: CaptureOptions, durationSeconds: number | undefined, frameRate: number | undefined): CapturePlan {
  switch (options.strategy) {
    case 'keyframes':
      return { request: { mode: 'keyframes', maxFrames: options.maxFrames } };
    case 'scene':
      return { request: { mode: 'scene', threshold: options.sceneThreshold, maxFrames: options.maxFrames } };
    case 'interval': {
      if (durationSeconds === undefined) {
        return { request: { mode: 'every', intervalSeconds: options.intervalSeconds, maxFrames: options.maxFrames } };
      }
      const { times, spacingSeconds, spread } = intervalTimes(durationSeconds, options.intervalSeconds, options.maxFrames, frameRate);
      const snapSeconds = options.snapToKeyframes ? spacingSeconds / 2 : 0;
      return { request: { mode: 'seek', times, snapSeconds }, spacingSeconds, spread };
    }
  }
}

/** Seek times for `interval`; the last frame must start before the end, so stop a frame short. */
export function intervalTimes(durationSeconds: number, intervalSeconds: number, maxFrames: number, frameRate?: number) {
  const lastStart = Math.max(0, durationSeconds - 1 / (frameRate ?? 25));
  const wanted = Math.floor(lastStart / intervalSeconds) + 1;
  if (wanted <= maxFrames) {
    return { times: Array.from({ length: wanted }, (_, i) => round(i * intervalSeconds)), spacingSeconds: intervalSeconds, spread: false };
  }
  const spacingSeconds = durationSeconds / maxFrames;
  return { times: Array.from({ length: maxFrames }, (_, i) => round(i * spacingSeconds)), spacingSeconds: round(spacingSeconds), spread: true };
}

const round = (seconds: number) => Math.round(seconds * 1000) / 1000;
