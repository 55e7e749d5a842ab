import { describe, expect, it } from 'vitest';
import { VideoErrorCode } from '../../../functions/shared/ffmpeg/errors.ts';
import type { ByteSource } from '../../../functions/video-capture/byte-source.ts';
import { checkMp4Structure } from '../../../functions/video-capture/mp4-structure.ts';
import { sniffVideoContainer } from '../../../functions/video-capture/sniff.ts';
import { rejection } from './helpers.ts';

const box = (type: string, size: number, body = Buffer.alloc(Math.max(0, size - 8))) => {
  const header = Buffer.alloc(8);
  header.writeUInt32BE(size);
  header.write(type, 4, 'latin1');
  return Buffer.concat([header, body]);
};
const memory = (data: Buffer): ByteSource => ({ location: 'memory', size: async () => data.length, read: async (o, l) => data.subarray(o, o + l) });

describe('sniffVideoContainer', () => {
  const ftyp = (brand: string) => Buffer.concat([box('ftyp', 16, Buffer.from(`${brand}\0\0\0\0`, 'latin1'))]);
  const ts = (packet: number, prefix = 0) => {
    const data = Buffer.alloc(packet * 3);
    for (let i = 0; i < 3; i++) data[i * packet + prefix] = 0x47;
    return data;
  };

  it.each([
    ['MP4 (isom)', ftyp('isom'), 'mp4'],
    ['3GP', ftyp('3gp5'), 'mp4'],
    ['QuickTime (ftyp qt)', ftyp('qt  '), 'mov'],
    ['QuickTime without ftyp', box('moov', 16), 'mov'],
    ['WebM', Buffer.concat([Buffer.from([0x1a, 0x45, 0xdf, 0xa3, 0x9f, 0x42, 0x82, 0x84]), Buffer.from('webm')]), 'webm'],
    ['Matroska', Buffer.concat([Buffer.from([0x1a, 0x45, 0xdf, 0xa3, 0x9f, 0x42, 0x82, 0x88]), Buffer.from('matroska')]), 'mkv'],
    ['MPEG-TS', ts(188), 'mpegts'],
    ['M2TS (192-byte packets)', ts(192, 4), 'mpegts'],
    ['FLV', Buffer.from([0x46, 0x4c, 0x56, 0x01, 0x05]), 'flv'],
  ] as const)('%s → %s', (_, head, expected) => {
    expect(sniffVideoContainer(head)).toBe(expected);
  });

  it.each([
    ['text', Buffer.from('Good morning, these are notes')],
    ['a JPEG', Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 0x10, 0x4a, 0x46, 0x49, 0x46])],
    ['a lone 0x47', Buffer.from('G')],
    ['an MP3', Buffer.from('ID3\x04\0\0\0\0\0\0', 'latin1')],
    ['nothing', Buffer.alloc(0)],
  ])('%s → not a video', (_, head) => {
    expect(sniffVideoContainer(head)).toBeUndefined();
  });
});

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
