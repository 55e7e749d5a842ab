import { createHash } from 'node:crypto';

/**
 * The checksum pipeline's pure core: bytes in (as a stream, so a 5 GB upload never sits in
 * memory), digests out. No AWS here.
 */

export const ALGORITHMS = ['sha256', 'md5', 'sha1', 'sha512'] as const;
export type Algorithm = (typeof ALGORITHMS)[number];

export interface Checksums {
  readonly bytes: number;
  /** Hex digests by algorithm, e.g. `{ sha256: '…', md5: '…' }`. */
  readonly digests: Readonly<Partial<Record<Algorithm, string>>>;
}

/** Hashes every chunk once per algorithm, in one pass. Stops when `signal` fires (the time budget). */
export async function checksums(chunks: AsyncIterable<Uint8Array>, algorithms: readonly Algorithm[], signal?: AbortSignal): Promise<Checksums> {
  const hashes = algorithms.map((algorithm) => [algorithm, createHash(algorithm)] as const);
  let bytes = 0;
  for await (const chunk of chunks) {
    signal?.throwIfAborted();
    bytes += chunk.byteLength;
    for (const [, hash] of hashes) hash.update(chunk);
  }
  return { bytes, digests: Object.fromEntries(hashes.map(([algorithm, hash]) => [algorithm, hash.digest('hex')])) };
}
