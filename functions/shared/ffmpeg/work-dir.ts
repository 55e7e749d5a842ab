import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Prefix of every per-object scratch directory (so a sweep can find strays from a killed run). */
export const WORK_DIR_PREFIX = 'media-kit-video-';

/**
 * Runs `work` with a fresh directory under os.tmpdir() and removes it afterwards, on success and
 * on failure alike: a warm Lambda environment keeps /tmp, and a previous object's leftovers must
 * not fill it.
 */
export async function withWorkDir<T>(work: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), WORK_DIR_PREFIX));
  try {
    return await work(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
