import { describe, expect, it } from 'vitest';
import { VideoErrorCode } from '../../../functions/shared/ffmpeg/errors.ts';
import type { ByteSource } from '../../../functions/video-capture/byte-source.ts';
import { checkMp4Structure } from '../../../functions/video-capture/mp4-structure.ts';
import { rejection } from './helpers.ts';

const box = (type: string, size: number, body = Buffer.alloc(Math.max(0, size - 8))) => {
  const header = Buffer.alloc(8);
  header.writeUInt32BE(size);
  header.write(type, 4, 'latin1');
  return Buffer.concat([header, body]);
};
const memory = (data: Buffer): ByteSource => ({ location: 'memory', size: async () => data.length, read: async (o, l) => data.subarray(o, o + l) });

describe('checkMp4Structure', () => {
  const ftyp = box('ftyp', 16);
  it('accepts complete files with a moov, large-size boxes included', async () => {
    const large = Buffer.alloc(24);
    large.writeUInt32BE(1);
    large.write('mdat', 4, 'latin1');
    large.writeBigUInt64BE(24n, 8);
    await expect(checkMp4Structure(memory(Buffer.concat([ftyp, box('moov', 40), large])), 80)).resolves.toBeUndefined();
    await expect(checkMp4Structure(memory(Buffer.concat([ftyp, box('moov', 40), box('mdat', 0)])), 64)).resolves.toBeUndefined();
  });

  it.each([
    ['a box running past the end', Buffer.concat([ftyp, box('moov', 40), box('mdat', 1000).subarray(0, 100)]), VideoErrorCode.VIDEO_TRUNCATED],
    ['a file ending inside a box header', Buffer.concat([ftyp, box('moov', 40), Buffer.from([0, 0, 0])]), VideoErrorCode.VIDEO_TRUNCATED],
    ['no moov at all', Buffer.concat([ftyp, box('mdat', 64)]), VideoErrorCode.VIDEO_CORRUPT],
    ['an impossible box size', Buffer.concat([ftyp, box('moov', 40), Buffer.from([0, 0, 0, 4, 0x6d, 0x64, 0x61, 0x74])]), VideoErrorCode.VIDEO_CORRUPT],
  ])('%s → %s', async (_, data, code) => {
    expect((await rejection(checkMp4Structure(memory(data), data.length))).code).toBe(code);
  });
});
