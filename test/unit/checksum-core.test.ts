import { describe, expect, it } from 'vitest';
import { checksums } from '../../examples/custom-stack/functions/checksum/core.ts';

async function* chunks(...parts: string[]) {
  for (const part of parts) yield Buffer.from(part);
}

describe('checksum core (examples/custom-stack)', () => {
  it('hashes a stream in one pass with every algorithm asked for', async () => {
    expect(await checksums(chunks('a', 'bc'), ['sha256', 'md5'])).toEqual({
      bytes: 3,
      digests: { sha256: 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad', md5: '900150983cd24fb0d6963f7d28e17f72' },
    });
  });

  it('stops when its budget signal fires', async () => {
    const controller = new AbortController();
    controller.abort(new Error('over budget'));
    await expect(checksums(chunks('x'), ['sha1'], controller.signal)).rejects.toThrow('over budget');
  });
});
