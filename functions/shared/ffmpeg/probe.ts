import type { BinaryPaths, Prober } from './binaries.ts';
import type { RunContext } from './budget.ts';
import { unreadableInput } from './failures.ts';
import { crashError, isCrash, runProcess } from './process.ts';

/** What a probe learns without decoding a frame. */
export interface MediaProbe {
  /** ffmpeg's demuxer name, e.g. "mov,mp4,m4a,3gp,3g2,mj2", "matroska,webm", "mpegts", "flv". */
  readonly formatName: string;
  /** Undefined when the container does not say (some live WebM). */
  readonly durationSeconds: number | undefined;
  /** Timestamp of the first packet (MPEG-TS typically starts at 1.4 s). */
  readonly startTimeSeconds: number;
  /** The first video stream that is not cover art; undefined for audio-only input. */
  readonly video: VideoStreamInfo | undefined;
  readonly audioCodecs: readonly string[];
  readonly prober: Prober;
}

export interface VideoStreamInfo {
  readonly index: number;
  readonly codec: string;
  /** Stored (coded picture) size. */
  readonly width: number;
  readonly height: number;
  /** Clockwise degrees the picture is turned for display. */
  readonly rotation: 0 | 90 | 180 | 270;
  /** Size as displayed, after rotation: what captured frames come out as before resizing. */
  readonly displayWidth: number;
  readonly displayHeight: number;
  readonly frameRate: number | undefined;
}

/**
 * Probes `source` (a local path or an http(s) URL) with the configured prober. Input the demuxer
 * cannot read at all is VIDEO_CORRUPT (the caller sniffs magic bytes first, so "not a video" is
 * decided before this); a crash of the prober is an FfmpegToolError; an unreachable URL is a
 * transient FFMPEG_FAILED.
 */
export async function probe(binaries: BinaryPaths, source: string, context: RunContext): Promise<MediaProbe> {
  if (binaries.probeWith === 'ffprobe' && binaries.ffprobe) {
    const args = ['-v', 'error', '-print_format', 'json', '-show_format', '-show_streams', source];
    const result = await runProcess(binaries.ffprobe, args, context);
    if (isCrash(result)) throw crashError('ffprobe', binaries.ffprobe, result, result.stderr);
    if (result.exitCode !== 0) throw unreadableInput('ffprobe', binaries.ffprobe, source, result.stderr);
    return parseFfprobeJson(result.stdout);
  }
  // `ffmpeg -i` with no output prints the stream report and exits 1 ("At least one output file
  // must be specified"): a probe that decodes nothing.
  const result = await runProcess(binaries.ffmpeg, ['-hide_banner', '-nostdin', '-i', source], context);
  if (isCrash(result)) throw crashError('ffmpeg', binaries.ffmpeg, result, result.stderr);
  if (!/^Input #0/m.test(result.stderr)) throw unreadableInput('ffmpeg', binaries.ffmpeg, source, result.stderr);
  return parseFfmpegReport(result.stderr);
}

interface FfprobeStream {
  index?: number;
  codec_type?: string;
  codec_name?: string;
  width?: number;
  height?: number;
  avg_frame_rate?: string;
  r_frame_rate?: string;
  disposition?: { attached_pic?: number };
  tags?: Record<string, string>;
  side_data_list?: Array<{ side_data_type?: string; rotation?: number }>;
}

interface FfprobeOutput {
  streams?: FfprobeStream[];
  format?: { format_name?: string; duration?: string; start_time?: string };
}

export function parseFfprobeJson(json: string): MediaProbe {
  const output = JSON.parse(json) as FfprobeOutput;
  const streams = output.streams ?? [];
  const videoStream = streams.find((s) => s.codec_type === 'video' && !s.disposition?.attached_pic);
  return {
    formatName: output.format?.format_name ?? 'unknown',
    durationSeconds: positive(Number(output.format?.duration)),
    startTimeSeconds: finiteOr(Number(output.format?.start_time), 0),
    video: videoStream && videoInfo({
      index: videoStream.index ?? 0,
      codec: videoStream.codec_name ?? 'unknown',
      width: videoStream.width ?? 0,
      height: videoStream.height ?? 0,
      rotation: streamRotation(videoStream),
      frameRate: rate(videoStream.avg_frame_rate) ?? rate(videoStream.r_frame_rate),
    }),
    audioCodecs: streams.filter((s) => s.codec_type === 'audio').map((s) => s.codec_name ?? 'unknown'),
    prober: 'ffprobe',
  };
}

/** Reads the report `ffmpeg -i` writes to stderr (the arm64 prober; see binaries.ts). */
export function parseFfmpegReport(stderr: string): MediaProbe {
  const lines = stderr.split(/\r?\n/);
  const input = /^Input #0, (.+?), from /m.exec(stderr);
  const duration = /^\s*Duration: (\d+):(\d{2}):(\d{2}(?:\.\d+)?)/m.exec(stderr);
  const start = /^\s*Duration: .*?start: (-?\d+(?:\.\d+)?)/m.exec(stderr);
  const streamLines = lines.map((line, i) => ({ line, i })).filter(({ line }) => /^\s*Stream #0:\d+/.test(line));
  const videoLine = streamLines.find(({ line }) => /: Video: /.test(line) && !/\(attached pic\)/.test(line));
  let video: VideoStreamInfo | undefined;
  if (videoLine) {
    const next = streamLines.find(({ i }) => i > videoLine.i)?.i ?? lines.length;
    const block = lines.slice(videoLine.i + 1, next).join('\n');
    const size = /, (\d{1,5})x(\d{1,5})(?=[\s,\]])/.exec(videoLine.line);
    const fps = /, (\d+(?:\.\d+)?)(k?) fps/.exec(videoLine.line) ?? /, (\d+(?:\.\d+)?)(k?) tbr/.exec(videoLine.line);
    const matrix = /displaymatrix: rotation of (-?\d+(?:\.\d+)?) degrees/.exec(block);
    const tag = /^\s*rotate\s*:\s*(-?\d+)/m.exec(block);
    video = videoInfo({
      index: Number(/Stream #0:(\d+)/.exec(videoLine.line)![1]),
      codec: /: Video: ([\w-]+)/.exec(videoLine.line)![1]!,
      width: Number(size?.[1] ?? 0),
      height: Number(size?.[2] ?? 0),
      rotation: matrix ? -Number(matrix[1]) : Number(tag?.[1] ?? 0),
      frameRate: fps ? Number(fps[1]) * (fps[2] === 'k' ? 1000 : 1) : undefined,
    });
  }
  return {
    formatName: input?.[1] ?? 'unknown',
    durationSeconds: duration ? positive(Number(duration[1]) * 3600 + Number(duration[2]) * 60 + Number(duration[3])) : undefined,
    startTimeSeconds: finiteOr(Number(start?.[1]), 0),
    video,
    audioCodecs: streamLines.filter(({ line }) => /: Audio: /.test(line)).map(({ line }) => /: Audio: ([\w-]+)/.exec(line)![1]!),
    prober: 'ffmpeg',
  };
}

/** The display matrix says how to turn the picture counter-clockwise; the legacy tag, clockwise. */
function streamRotation(stream: FfprobeStream): number {
  const matrix = stream.side_data_list?.find((d) => typeof d.rotation === 'number')?.rotation;
  return matrix !== undefined ? -matrix : Number(stream.tags?.rotate ?? 0);
}

function videoInfo(raw: Omit<VideoStreamInfo, 'rotation' | 'displayWidth' | 'displayHeight'> & { rotation: number }): VideoStreamInfo {
  const rotation = normalizeRotation(raw.rotation);
  const turned = rotation === 90 || rotation === 270;
  return {
    ...raw,
    rotation,
    displayWidth: turned ? raw.height : raw.width,
    displayHeight: turned ? raw.width : raw.height,
  };
}

/** To the nearest quarter turn in [0, 360): display matrices carry float noise (-90.00000001). */
export function normalizeRotation(degrees: number): 0 | 90 | 180 | 270 {
  if (!Number.isFinite(degrees)) return 0;
  const quarter = ((Math.round(degrees / 90) % 4) + 4) % 4;
  return (quarter * 90) as 0 | 90 | 180 | 270;
}

function rate(fraction: string | undefined): number | undefined {
  if (!fraction) return undefined;
  const [num, den] = fraction.split('/').map(Number);
  const value = den === undefined ? num! : num! / den;
  return positive(value);
}

const positive = (value: number) => (Number.isFinite(value) && value > 0 ? value : undefined);
const finiteOr = (value: number, fallback: number) => (Number.isFinite(value) ? value : fallback);
