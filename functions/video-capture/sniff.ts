/**
 * Which video container the first bytes are, before any decoder sees them. A minimal local check
 * until the shared sniffer (functions/shared/sniff.ts) lands on main; then call that instead.
 */
export type VideoContainer = 'mp4' | 'mov' | 'webm' | 'mkv' | 'mpegts' | 'flv';

/** Bytes of the head worth reading: enough for two TS packets and an EBML header's DocType. */
export const SNIFF_BYTES = 4096;

const QUICKTIME_TOP_LEVEL = new Set(['moov', 'mdat', 'wide', 'free', 'skip', 'pnot']);
const EBML = [0x1a, 0x45, 0xdf, 0xa3];

export function sniffVideoContainer(head: Uint8Array): VideoContainer | undefined {
  const bytes = Buffer.from(head.buffer, head.byteOffset, head.byteLength);
  if (bytes.length >= 12 && bytes.toString('latin1', 4, 8) === 'ftyp') {
    return bytes.toString('latin1', 8, 12) === 'qt  ' ? 'mov' : 'mp4';
  }
  // QuickTime files from before ftyp existed start with one of these atoms.
  if (bytes.length >= 8 && QUICKTIME_TOP_LEVEL.has(bytes.toString('latin1', 4, 8)) && bytes.readUInt32BE(0) >= 8) return 'mov';
  if (EBML.every((b, i) => bytes[i] === b)) {
    return bytes.subarray(0, 64).includes('webm', 0, 'latin1') ? 'webm' : 'mkv';
  }
  if (isTransportStream(bytes, 0, 188) || isTransportStream(bytes, 4, 192)) return 'mpegts';
  if (bytes.length >= 4 && bytes.toString('latin1', 0, 3) === 'FLV' && bytes[3] === 0x01) return 'flv';
  return undefined;
}

/** MPEG-TS: a 0x47 sync byte every packet (188 bytes; 192 in M2TS with a 4-byte prefix). */
function isTransportStream(bytes: Buffer, first: number, packet: number): boolean {
  if (bytes.length <= first) return false;
  const packets = Math.min(3, Math.floor((bytes.length - first) / packet) || 1);
  for (let i = 0; i < packets; i++) if (bytes[first + i * packet] !== 0x47) return false;
  // A lone 0x47 ('G') would match any text starting with G: require a second packet.
  return bytes.length >= first + packet + 1;
}
