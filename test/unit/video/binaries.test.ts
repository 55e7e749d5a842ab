import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FfmpegEnv, resolveBinaryPaths, verifyBinaries } from '../../../functions/shared/ffmpeg/binaries.ts';
import { FfmpegToolCode } from '../../../functions/shared/ffmpeg/errors.ts';
import { probe } from '../../../functions/shared/ffmpeg/probe.ts';
import { runProcess } from '../../../functions/shared/ffmpeg/process.ts';
import { clip } from '../../fixtures/videos.ts';
import { binaries, budget, rejection, scratchDir } from './helpers.ts';

const installed = (file: string) => `/opt/node_modules/${file}`;

describe('binary resolution (pure path logic)', () => {
  it('x64 Linux: ffmpeg from @ffmpeg-installer, ffprobe from ffprobe-static (probes MPEG-TS without crashing)', () => {
    expect(resolveBinaryPaths({ env: {}, platform: 'linux', arch: 'x64', locate: installed })).toEqual({
      ffmpeg: '/opt/node_modules/@ffmpeg-installer/linux-x64/ffmpeg',
      ffprobe: '/opt/node_modules/ffprobe-static/bin/linux/x64/ffprobe',
      probeWith: 'ffprobe',
    });
  });

  it('arm64 Linux: ffmpeg from @ffmpeg-installer/linux-arm64, and the probe runs on ffmpeg (no trusted arm64 ffprobe)', () => {
    expect(resolveBinaryPaths({ env: {}, platform: 'linux', arch: 'arm64', locate: installed })).toEqual({
      ffmpeg: '/opt/node_modules/@ffmpeg-installer/linux-arm64/ffmpeg',
      probeWith: 'ffmpeg',
    });
  });

  it('FFMPEG_PATH / FFPROBE_PATH (set by the construct, pointing into the asset or layer) win on any architecture', () => {
    const env = { [FfmpegEnv.FFMPEG_PATH]: '/opt/bin/ffmpeg', [FfmpegEnv.FFPROBE_PATH]: '/opt/bin/ffprobe' };
    for (const arch of ['x64', 'arm64']) {
      expect(resolveBinaryPaths({ env, platform: 'linux', arch, locate: () => undefined })).toEqual({ ffmpeg: '/opt/bin/ffmpeg', ffprobe: '/opt/bin/ffprobe', probeWith: 'ffprobe' });
    }
  });

  it('MEDIA_KIT_PROBE_WITH forces the prober, and rejects other values', () => {
    expect(resolveBinaryPaths({ env: { [FfmpegEnv.PROBE_WITH]: 'ffmpeg' }, platform: 'linux', arch: 'x64', locate: installed }).probeWith).toBe('ffmpeg');
    expect(() => resolveBinaryPaths({ env: { [FfmpegEnv.PROBE_WITH]: 'ffprobe' }, platform: 'linux', arch: 'arm64', locate: installed })).toThrow(/no ffprobe is packaged for linux-arm64/);
    expect(() => resolveBinaryPaths({ env: { [FfmpegEnv.PROBE_WITH]: 'mediainfo' }, platform: 'linux', arch: 'x64', locate: installed })).toThrow(/must be "ffprobe" or "ffmpeg"/);
  });

  it('names the package file it looked for when the package is not installed, and refuses unknown platforms', () => {
    const missing = () => resolveBinaryPaths({ env: {}, platform: 'linux', arch: 'arm64', locate: () => undefined });
    expect(missing).toThrow(expect.objectContaining({ code: FfmpegToolCode.FFMPEG_BINARY_MISSING, message: expect.stringContaining('@ffmpeg-installer/linux-arm64/ffmpeg') }));
    expect(() => resolveBinaryPaths({ env: {}, platform: 'linux', arch: 'ppc64', locate: installed })).toThrow(
      expect.objectContaining({ code: FfmpegToolCode.FFMPEG_UNSUPPORTED_PLATFORM }),
    );
  });

  it('resolves the real packages on this machine', () => {
    expect(binaries.ffmpeg).toMatch(/@ffmpeg-installer\/linux-x64\/ffmpeg$/);
    expect(binaries.ffprobe).toMatch(/ffprobe-static\/bin\/linux\/x64\/ffprobe$/);
  });
});

describe('binary checks at load', () => {
  const dir = scratchDir();

  it('a missing binary is a coded error naming the path, not a spawn ENOENT later', () => {
    const path = join(dir(), 'no-such-ffmpeg');
    expect(() => verifyBinaries({ ffmpeg: path, probeWith: 'ffmpeg' })).toThrow(
      expect.objectContaining({ code: FfmpegToolCode.FFMPEG_BINARY_MISSING, message: `ffmpeg binary not found at ${path}` }),
    );
  });

  it('a binary without its execute bit (a badly zipped layer) is FFMPEG_BINARY_NOT_EXECUTABLE', () => {
    const path = join(dir(), 'ffprobe');
    writeFileSync(path, '#!/bin/sh\n');
    chmodSync(path, 0o644);
    expect(() => verifyBinaries({ ffmpeg: binaries.ffmpeg, ffprobe: path, probeWith: 'ffprobe' })).toThrow(
      expect.objectContaining({ code: FfmpegToolCode.FFMPEG_BINARY_NOT_EXECUTABLE, message: `ffprobe binary at ${path} is not executable` }),
    );
  });

  it('a spawn failure still names the path', async () => {
    const path = join(dir(), 'gone', 'ffprobe');
    const error = await rejection(runProcess(path, ['-version'], budget()));
    expect(error).toMatchObject({ code: FfmpegToolCode.FFMPEG_BINARY_MISSING, message: `ffprobe not found at ${path}` });
  });

  it('a probe that dies on a signal (the segfault notes report for one ffprobe on MPEG-TS) is FFMPEG_CRASHED, never a result', async () => {
    const path = join(dir(), 'segfaulting-ffprobe');
    writeFileSync(path, '#!/bin/sh\nkill -SEGV $$\n');
    chmodSync(path, 0o755);
    const error = await rejection(probe({ ffmpeg: binaries.ffmpeg, ffprobe: path, probeWith: 'ffprobe' }, await clip('ts'), budget()));
    expect(error).toMatchObject({ code: FfmpegToolCode.FFMPEG_CRASHED, details: { signal: 'SIGSEGV', path } });
    expect(error.message).toContain('crashed with signal SIGSEGV');
  });
});
