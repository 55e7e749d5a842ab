import type { PipelineId } from '../../../functions/shared/pipeline-ids.ts';

/**
 * Which pipeline a file belongs to, judged by its first bytes (not its name): images by their
 * format signatures, videos by container signatures, battle logs by their JSON shape.
 */
export function pipelineForContent(head: Uint8Array): PipelineId | undefined {
  const b = Buffer.from(head.buffer, head.byteOffset, head.byteLength);
  const ascii = (start: number, text: string) => b.subarray(start, start + text.length).toString('latin1') === text;
  if (b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'image';
  if (ascii(0, '\x89PNG\r\n\x1a\n') || ascii(0, 'GIF87a') || ascii(0, 'GIF89a')) return 'image';
  if (ascii(0, 'RIFF') && ascii(8, 'WEBP')) return 'image';
  if (ascii(0, 'II*\x00') || ascii(0, 'MM\x00*')) return 'image';
  if (ascii(4, 'ftyp')) {
    const brand = b.subarray(8, 12).toString('latin1');
    return ['avif', 'avis', 'heic', 'heix', 'mif1', 'msf1'].includes(brand) ? 'image' : 'video';
  }
  if (b[0] === 0x1a && b[1] === 0x45 && b[2] === 0xdf && b[3] === 0xa3) return 'video';
  if (b[0] === 0x47 && b.length > 188 && b[188] === 0x47) return 'video';
  const text = b.toString('utf8').trimStart();
  if (text.startsWith('{') && /"battleId"\s*:/.test(text)) return 'settlement';
  return undefined;
}

export function contentTypeFor(pipeline: PipelineId, head: Uint8Array): string {
  const b = Buffer.from(head.buffer, head.byteOffset, head.byteLength);
  if (pipeline === 'settlement') return 'application/json';
  if (b[0] === 0xff && b[1] === 0xd8) return 'image/jpeg';
  if (b[0] === 0x89 && b[1] === 0x50) return 'image/png';
  if (b.subarray(0, 3).toString('latin1') === 'GIF') return 'image/gif';
  if (b.subarray(8, 12).toString('latin1') === 'WEBP') return 'image/webp';
  return 'application/octet-stream';
}
