import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { type BinaryPaths, loadBinaries } from '../../../functions/shared/ffmpeg/binaries.ts';
import type { CaptureContext } from '../../../functions/shared/ffmpeg/capture.ts';

export const binaries: BinaryPaths = loadBinaries();
/** The arm64 prober (ffmpeg's own stream report), run here on x64 so it is exercised. */
export const ffmpegProber: BinaryPaths = { ffmpeg: binaries.ffmpeg, probeWith: 'ffmpeg' };

/** A scratch dir per test file, removed afterwards. */
export function scratchDir(): () => string {
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'video-test-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));
  return () => dir;
}

export const budget = (ms = 20_000) => ({ signal: AbortSignal.timeout(ms) });
export const captureContext = (workDir: string, ms = 20_000): CaptureContext => ({ signal: AbortSignal.timeout(ms), workDir });

/** ffmpeg/ffprobe processes whose parent is this process, from /proc. */
export function childFfmpegProcesses(): Array<{ pid: number; name: string }> {
  const found: Array<{ pid: number; name: string }> = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === process.pid && /ffmpeg|ffprobe/.test(name)) found.push({ pid: Number(entry), name });
    } catch {
      // the process ended while we looked
    }
  }
  return found;
}

/** Resolves with the error a promise rejects with; fails the test if it resolves. */
export async function rejection(promise: Promise<unknown>): Promise<Error & { code?: string; details?: Record<string, unknown> }> {
  try {
    await promise;
  } catch (error) {
    return error as Error & { code?: string };
  }
  throw new Error('expected a rejection, but the promise resolved');
}
