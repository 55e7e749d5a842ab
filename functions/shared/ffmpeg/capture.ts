import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BinaryPaths } from './binaries.ts';
import type { RunContext } from './budget.ts';
import { unreadableInput } from './failures.ts';
import { type FfmpegJob, runFfmpeg } from './runner.ts';

/**
 * What to capture:
 * - `seek`: one frame per time, each by its own input seek (`-ss` before `-i`), so the cost grows
 *   with the frames taken, not with the video's length. With `snapSeconds` > 0 the frame is the
 *   keyframe at or before the time when one lies within `snapSeconds` of it — a single keyframe
 *   decoded (`-skip_frame nokey`), ~3x cheaper than decoding the GOP up to the exact frame;
 *   otherwise (a long GOP, or it would repeat the previous frame) the first frame at or after the
 *   time, decoded from the keyframe before it. Timestamps are always the frame's own;
 * - `keyframes`: every keyframe (`-skip_frame nokey`: the decoder drops everything else unseen);
 * - `scene`: the first frame and each frame whose scene-change score exceeds `threshold` (0–1);
 *   decodes every frame;
 * - `every`: one frame per `intervalSeconds` in a single decode pass — for inputs whose duration
 *   is unknown, where seek times cannot be planned.
 */
export type CaptureRequest =
  | { readonly mode: 'seek'; readonly times: readonly number[]; readonly snapSeconds?: number }
  | { readonly mode: 'keyframes'; readonly maxFrames: number }
  | { readonly mode: 'scene'; readonly threshold: number; readonly maxFrames: number }
  | { readonly mode: 'every'; readonly intervalSeconds: number; readonly maxFrames: number };

export interface FrameOutput {
  /** Longest side of a frame in pixels; smaller videos are not upscaled. @default 640 */
  readonly longSide?: number;
  /** JPEG quality 1–100. @default 85 */
  readonly jpegQuality?: number;
}

export interface CapturedFrame {
  /** Seconds from the start of the video, from the decoded frame's own pts (not the time asked for). */
  readonly timestamp: number;
  readonly width: number;
  readonly height: number;
  readonly jpeg: Buffer;
}

export interface CaptureContext extends RunContext {
  /** A per-object scratch directory (see withWorkDir); frames are written there, then read back. */
  readonly workDir: string;
}

export interface CaptureResult {
  readonly frames: readonly CapturedFrame[];
  /** The request's maxFrames stopped the capture: later parts of the video were not looked at. */
  readonly frameLimitReached: boolean;
}

export async function captureFrames(
  binaries: BinaryPaths,
  source: string,
  request: CaptureRequest,
  output: FrameOutput,
  context: CaptureContext,
): Promise<CaptureResult> {
  const encode = jpegOptions(output);
  // A directory of its own per call: the file listing below must see this run's frames only.
  const dir = await mkdtemp(join(context.workDir, 'frames-'));
  if (request.mode === 'seek') {
    const frames: CapturedFrame[] = [];
    const snap = request.snapSeconds ?? 0;
    for (const [i, time] of request.times.entries()) {
      const target = (kind: string) => join(dir, `seek-${String(i).padStart(5, '0')}-${kind}.jpg`);
      const previous = frames.at(-1)?.timestamp ?? Number.NEGATIVE_INFINITY;
      let frame = snap > 0 ? await seekFrame(binaries, source, time, 'keyframe', encode, target('key'), context) : undefined;
      if (!frame || frame.timestamp < time - snap || frame.timestamp <= previous) {
        frame = await seekFrame(binaries, source, time, 'exact', encode, target('exact'), context);
      }
      // Nothing decodes at or after a time past the last frame; the plan keeps times inside the duration.
      if (frame && frame.timestamp > previous) frames.push(frame);
    }
    return { frames, frameLimitReached: false };
  }
  const select =
    request.mode === 'scene'
      ? `select='eq(n,0)+gt(scene,${request.threshold})',`
      : request.mode === 'every'
        ? `select='isnan(prev_selected_t)+gte(t-prev_selected_t,${request.intervalSeconds})',`
        : '';
  const prefix = `${request.mode}-`;
  const infos: FrameInfo[] = [];
  const job: FfmpegJob = {
    // -discard: the demuxer drops non-key packets before they are even parsed (~25% less CPU).
    inputs: [{ source, options: request.mode === 'keyframes' ? ['-skip_frame', 'nokey', '-discard:v', 'nokey'] : [] }],
    outputs: [
      {
        target: join(dir, `${prefix}%05d.jpg`),
        // -vsync 0: one file per selected frame; the image2 muxer would otherwise duplicate
        // frames to a constant rate.
        options: ['-map', '0:v:0', '-an', '-sn', '-dn', '-vf', `${select}${scaleFilter(encode.longSide)},showinfo`, '-vsync', '0', '-frames:v', String(request.maxFrames), ...encode.args],
      },
    ],
  };
  const result = await runFfmpeg(binaries.ffmpeg, job, { ...context, onStderrLine: collectShowinfo(infos) });
  if (result.exitCode !== 0) throw unreadableInput('ffmpeg', binaries.ffmpeg, source, result.stderrTail, 'decode');
  const files = (await readdir(dir)).filter((name) => name.startsWith(prefix)).sort();
  const count = Math.min(files.length, infos.length);
  const frames = await Promise.all(
    files.slice(0, count).map(async (name, i) => ({ timestamp: round(infos[i]!.ptsTime), width: infos[i]!.width, height: infos[i]!.height, jpeg: await readFile(join(dir, name)) })),
  );
  return { frames, frameLimitReached: frames.length >= request.maxFrames };
}

async function seekFrame(
  binaries: BinaryPaths,
  source: string,
  time: number,
  kind: 'keyframe' | 'exact',
  encode: ReturnType<typeof jpegOptions>,
  target: string,
  context: RunContext,
): Promise<CapturedFrame | undefined> {
  const infos: FrameInfo[] = [];
  // keyframe: the decoder sees keyframes only and the seek keeps the one at or before the time;
  // one frame is decoded, so one decoding thread is all it needs.
  const seek = kind === 'keyframe' ? ['-skip_frame', 'nokey', '-discard:v', 'nokey', '-threads', '1', '-noaccurate_seek', '-ss', time.toFixed(3)] : ['-ss', time.toFixed(3)];
  const job: FfmpegJob = {
    inputs: [{ source, options: seek }],
    outputs: [{ target, options: ['-map', '0:v:0', '-an', '-sn', '-dn', '-vf', `${scaleFilter(encode.longSide)},showinfo`, '-frames:v', '1', ...encode.args] }],
  };
  const result = await runFfmpeg(binaries.ffmpeg, job, { ...context, onStderrLine: collectShowinfo(infos) });
  if (result.exitCode !== 0) throw unreadableInput('ffmpeg', binaries.ffmpeg, source, result.stderrTail, 'decode');
  const info = infos[0];
  if (!info) return undefined;
  let jpeg: Buffer;
  try {
    jpeg = await readFile(target);
  } catch {
    return undefined; // ffmpeg decoded nothing at this time ("Output file is empty")
  }
  // An input seek restarts the clock at the time asked for: the frame's pts counts from there
  // (negative for a keyframe before it).
  return { timestamp: round(time + info.ptsTime), width: info.width, height: info.height, jpeg };
}

interface FrameInfo {
  readonly ptsTime: number;
  readonly width: number;
  readonly height: number;
}

const SHOWINFO = /\] n:\s*\d+ pts:\s*-?\d+ pts_time:(-?\d+(?:\.\d+)?(?:e-?\d+)?)\s.*? s:(\d+)x(\d+) /;

/** showinfo logs each frame that reaches the encoder, in order: its pts and (post-scale) size. */
function collectShowinfo(into: FrameInfo[]) {
  return (line: string) => {
    const match = SHOWINFO.exec(line);
    if (match) into.push({ ptsTime: Number(match[1]), width: Number(match[2]), height: Number(match[3]) });
  };
}

/**
 * Fits the long side to `longSide` without upscaling; frames come out upright because ffmpeg
 * applies the display matrix (autorotate) before our filters.
 */
export function scaleFilter(longSide: number): string {
  return `scale=w='if(gte(iw,ih),min(${longSide},iw),-2)':h='if(gte(iw,ih),-2,min(${longSide},ih))'`;
}

function jpegOptions(output: FrameOutput) {
  const longSide = output.longSide ?? 640;
  const quality = Math.min(100, Math.max(1, output.jpegQuality ?? 85));
  // mjpeg's qscale runs 2 (best) … 31; map the familiar 1–100 onto it.
  const qscale = Math.min(31, Math.max(2, Math.round(31 - (quality / 100) * 29)));
  return { longSide, args: ['-c:v', 'mjpeg', '-pix_fmt', 'yuvj420p', '-q:v', String(qscale)] };
}

const round = (seconds: number) => Math.round(seconds * 1000) / 1000;
