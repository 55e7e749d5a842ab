import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import type { BinaryPaths } from './binaries.ts';
import type { RunContext } from './budget.ts';
import { unreadableInput } from './failures.ts';
import type { MediaProbe } from './probe.ts';
import { type FfmpegJob, runFfmpeg } from './runner.ts';

export interface HlsRendition {
  /** Directory and variant name, e.g. "720p". */
  readonly name: string;
  /** Short side in pixels (the height of a landscape video, the width of a portrait one). */
  readonly shortSide: number;
  readonly videoBitrateKbps: number;
}

export interface HlsOptions {
  readonly renditions: readonly HlsRendition[];
  /** Target segment length; keyframes are forced on this grid so every segment starts on one. @default 6 */
  readonly segmentSeconds?: number;
  /** x264 speed/size trade-off. @default 'veryfast' */
  readonly x264Preset?: string;
  /** @default 96 */
  readonly audioBitrateKbps?: number;
}

/** The film preset's ladder. */
export const DEFAULT_HLS_RENDITIONS: readonly HlsRendition[] = [
  { name: '360p', shortSide: 360, videoBitrateKbps: 800 },
  { name: '720p', shortSide: 720, videoBitrateKbps: 2800 },
];

export interface HlsResult {
  /** Paths relative to outDir. */
  readonly masterPlaylist: string;
  readonly variants: ReadonlyArray<{ readonly name: string; readonly playlist: string; readonly segments: number; readonly shortSide: number }>;
  /** Every file written (playlists and segments), relative to outDir, sorted. */
  readonly files: readonly string[];
  /** Renditions left out because they would upscale the source. */
  readonly skipped: readonly string[];
}

export interface HlsContext extends RunContext {
  /** An empty directory for the playlists and segments (inside the object's work dir). */
  readonly outDir: string;
}

/**
 * One decode, every rendition: split → scale per rendition → H.264 + AAC, one HLS VOD output per
 * variant, then a master playlist naming them all (what a standard player opens). We write the
 * master ourselves: the 2018 static ffmpeg segfaults writing `-master_pl_name` with a
 * `-var_stream_map`. Renditions larger than the source are skipped (the smallest is always kept).
 */
export async function encodeHls(binaries: BinaryPaths, source: string, probe: MediaProbe, options: HlsOptions, context: HlsContext): Promise<HlsResult> {
  const video = probe.video;
  if (!video) throw new Error('encodeHls needs a probe with a video stream');
  const sourceShortSide = Math.min(video.displayWidth, video.displayHeight);
  const sorted = [...options.renditions].sort((a, b) => a.shortSide - b.shortSide);
  const renditions = sorted.filter((r, i) => i === 0 || r.shortSide <= sourceShortSide);
  const skipped = sorted.filter((r) => !renditions.includes(r)).map((r) => r.name);
  const segmentSeconds = options.segmentSeconds ?? 6;
  const hasAudio = probe.audioCodecs.length > 0;
  const portrait = video.displayHeight > video.displayWidth;
  const audioKbps = options.audioBitrateKbps ?? 96;

  const labels = renditions.map((_, i) => `v${i}`);
  const split = renditions.length > 1 ? `[0:v:0]split=${renditions.length}${labels.map((l) => `[in_${l}]`).join('')};` : '';
  const scales = renditions
    .map((r, i) => `${renditions.length > 1 ? `[in_${labels[i]}]` : '[0:v:0]'}scale=${portrait ? `${r.shortSide}:-2` : `-2:${r.shortSide}`},format=yuv420p[${labels[i]}]`)
    .join(';');
  for (const r of renditions) await mkdir(join(context.outDir, r.name), { recursive: true });
  const outputs = renditions.map((r, i) => ({
    target: join(context.outDir, r.name, 'index.m3u8'),
    options: [
      '-map', `[${labels[i]}]`,
      ...(hasAudio ? ['-map', '0:a:0', '-c:a', 'aac', '-b:a', `${audioKbps}k`, '-ac', '2'] : []),
      '-c:v', 'libx264', '-preset', options.x264Preset ?? 'veryfast', '-profile:v', 'main', '-level:v', '4.0',
      '-b:v', `${r.videoBitrateKbps}k`, '-maxrate:v', `${Math.round(r.videoBitrateKbps * 1.1)}k`, '-bufsize:v', `${r.videoBitrateKbps * 2}k`,
      // Keyframes exactly on the segment grid and nowhere else, so segments are even and each
      // starts on a keyframe.
      '-force_key_frames', `expr:gte(t,n_forced*${segmentSeconds})`, '-sc_threshold', '0',
      '-sn', '-dn',
      '-f', 'hls', '-hls_time', String(segmentSeconds), '-hls_playlist_type', 'vod',
      '-hls_segment_filename', join(context.outDir, r.name, 'segment-%05d.ts'),
    ],
  }));
  const job: FfmpegJob = { inputs: [{ source }], complexFilter: split + scales, outputs };
  const result = await runFfmpeg(binaries.ffmpeg, job, context);
  if (result.exitCode !== 0) throw unreadableInput('ffmpeg', binaries.ffmpeg, source, result.stderrTail, 'decode');

  const variants = await Promise.all(
    renditions.map(async (r) => {
      const playlist = join(r.name, 'index.m3u8');
      const segments = parseMediaPlaylist(await readFile(join(context.outDir, playlist), 'utf8'));
      const sizes = await Promise.all(segments.map(async (s) => (await stat(join(context.outDir, r.name, s.uri))).size));
      const rates = segments.map((s, i) => (sizes[i]! * 8) / Math.max(s.duration, 0.001));
      const scaled = portrait
        ? { width: r.shortSide, height: even((video.displayHeight * r.shortSide) / video.displayWidth) }
        : { width: even((video.displayWidth * r.shortSide) / video.displayHeight), height: r.shortSide };
      return {
        name: r.name,
        playlist,
        segments: segments.length,
        shortSide: r.shortSide,
        ...scaled,
        peakBitsPerSecond: Math.ceil(Math.max(...rates)),
        averageBitsPerSecond: Math.ceil((sizes.reduce((a, b) => a + b, 0) * 8) / Math.max(segments.reduce((a, s) => a + s.duration, 0), 0.001)),
      };
    }),
  );
  await writeFile(join(context.outDir, 'master.m3u8'), masterPlaylist(variants, hasAudio));
  const files = (await listFiles(context.outDir)).map((file) => relative(context.outDir, file)).sort();
  return { masterPlaylist: 'master.m3u8', variants: variants.map(({ name, playlist, segments, shortSide }) => ({ name, playlist, segments, shortSide })), files, skipped };
}

/** H.264 Main at level 4.0 (the encoder is told so) and AAC-LC, as RFC 6381 codec strings. */
const CODECS = { video: 'avc1.4d4028', audio: 'mp4a.40.2' };

function masterPlaylist(
  variants: ReadonlyArray<{ playlist: string; width: number; height: number; peakBitsPerSecond: number; averageBitsPerSecond: number }>,
  hasAudio: boolean,
): string {
  const codecs = hasAudio ? `${CODECS.video},${CODECS.audio}` : CODECS.video;
  const lines = ['#EXTM3U', '#EXT-X-VERSION:3', '#EXT-X-INDEPENDENT-SEGMENTS'];
  for (const v of variants) {
    lines.push(`#EXT-X-STREAM-INF:BANDWIDTH=${v.peakBitsPerSecond},AVERAGE-BANDWIDTH=${v.averageBitsPerSecond},RESOLUTION=${v.width}x${v.height},CODECS="${codecs}"`);
    lines.push(v.playlist.split('\\').join('/'));
  }
  return `${lines.join('\n')}\n`;
}

export function parseMediaPlaylist(text: string): Array<{ duration: number; uri: string }> {
  const segments: Array<{ duration: number; uri: string }> = [];
  let duration: number | undefined;
  for (const line of text.split(/\r?\n/)) {
    const inf = /^#EXTINF:([\d.]+)/.exec(line);
    if (inf) duration = Number(inf[1]);
    else if (line && !line.startsWith('#') && duration !== undefined) {
      segments.push({ duration, uri: line.trim() });
      duration = undefined;
    }
  }
  return segments;
}

const even = (value: number) => Math.max(2, Math.round(value / 2) * 2);

async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const nested = await Promise.all(entries.map((e) => (e.isDirectory() ? listFiles(join(dir, e.name)) : Promise.resolve([join(dir, e.name)]))));
  return nested.flat();
}
