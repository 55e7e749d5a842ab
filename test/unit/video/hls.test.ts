import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_HLS_RENDITIONS, encodeHls, type HlsResult, parseMediaPlaylist } from '../../../functions/shared/ffmpeg/hls.ts';
import { probe } from '../../../functions/shared/ffmpeg/probe.ts';
import { clip, hlsSource } from '../../fixtures/videos.ts';
import { binaries, budget, scratchDir } from './helpers.ts';

const run = promisify(execFile);

describe('HLS for the film preset', () => {
  const dir = scratchDir();
  let result: HlsResult;
  beforeAll(async () => {
    const source = await hlsSource();
    result = await encodeHls(binaries, source, await probe(binaries, source, budget()), { renditions: DEFAULT_HLS_RENDITIONS, segmentSeconds: 6, x264Preset: 'ultrafast' }, { ...budget(60_000), outDir: dir() });
  });

  it('a master playlist that a standard player (ffprobe) opens, finding both variants', async () => {
    const { stdout } = await run(binaries.ffprobe!, ['-v', 'error', '-print_format', 'json', '-show_streams', join(dir(), result.masterPlaylist)]);
    const streams = (JSON.parse(stdout) as { streams: Array<{ codec_type: string; codec_name: string; width?: number; height?: number }> }).streams;
    const videos = streams.filter((s) => s.codec_type === 'video').map((s) => `${s.codec_name} ${s.width}x${s.height}`);
    expect(new Set(videos)).toEqual(new Set(['h264 640x360', 'h264 1280x720']));
    expect(streams.some((s) => s.codec_type === 'audio' && s.codec_name === 'aac')).toBe(true);
    const master = await readFile(join(dir(), 'master.m3u8'), 'utf8');
    expect(master).toMatch(/^#EXTM3U\n/);
    expect(master).toMatch(/#EXT-X-STREAM-INF:BANDWIDTH=\d+,AVERAGE-BANDWIDTH=\d+,RESOLUTION=640x360,CODECS="avc1\.4d4028,mp4a\.40\.2"\n360p\/index\.m3u8/);
    expect(master).toMatch(/RESOLUTION=1280x720,.*\n720p\/index\.m3u8/);
  });

  it('segments of ≈ 6 s, each starting on a keyframe, in VOD playlists', async () => {
    for (const variant of result.variants) {
      const text = await readFile(join(dir(), variant.playlist), 'utf8');
      expect(text).toContain('#EXT-X-PLAYLIST-TYPE:VOD');
      expect(text).toContain('#EXT-X-ENDLIST');
      const segments = parseMediaPlaylist(text);
      expect(segments.map((s) => Math.round(s.duration))).toEqual([6, 2]);
      for (const s of segments.slice(0, -1)) expect(Math.abs(s.duration - 6)).toBeLessThan(0.2);
      expect(variant.segments).toBe(2);
      const { stdout } = await run(binaries.ffprobe!, ['-v', 'error', '-select_streams', 'v', '-read_intervals', '%+#1', '-show_entries', 'frame=key_frame', '-of', 'csv=p=0', join(dir(), variant.name, segments[1]!.uri)]);
      expect(stdout.trim()).toBe('1');
    }
    expect(result.files).toEqual(expect.arrayContaining(['master.m3u8', '360p/index.m3u8', '360p/segment-00000.ts', '720p/segment-00001.ts']));
  });

  it('skips renditions that would upscale the source, keeping the smallest', async () => {
    const small = await clip('mp4'); // 320x180
    const out = await encodeHls(binaries, small, await probe(binaries, small, budget()), { renditions: DEFAULT_HLS_RENDITIONS, x264Preset: 'ultrafast' }, { ...budget(), outDir: join(dir(), 'small') });
    expect(out.variants.map((v) => v.name)).toEqual(['360p']);
    expect(out.skipped).toEqual(['720p']);
  });
});
