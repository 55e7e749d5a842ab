/**
 * What a blob is, judged by its first bytes and never by its name or declared content type.
 * Untrusted bytes go through here before any decoder sees them (DESIGN.md, "Error model"): a
 * pipeline refuses what it does not accept while the bytes are still just bytes. Pure, no I/O.
 */

export type SniffedFormat =
  | 'jpeg'
  | 'png'
  | 'webp'
  | 'gif'
  | 'avif'
  /** HEIF with HEVC (or otherwise non-AV1) coding: `.heic`/`.heif`. */
  | 'heic'
  | 'tiff'
  | 'svg'
  | 'pdf'
  | 'mp4'
  | 'mov'
  | 'webm'
  | 'mkv'
  | 'mpegts'
  | 'flv'
  | 'json'
  | 'unknown';

export type SniffedKind = 'image' | 'video' | 'document' | 'data' | 'unknown';

export interface Sniffed {
  readonly format: SniffedFormat;
  readonly kind: SniffedKind;
  /** The content type to store the object with. */
  readonly contentType: string;
}

/** How many leading bytes `sniff` looks at; pass at least this many when you have them. */
export const SNIFF_BYTES = 4096;

const KINDS: Record<SniffedFormat, SniffedKind> = {
  jpeg: 'image',
  png: 'image',
  webp: 'image',
  gif: 'image',
  avif: 'image',
  heic: 'image',
  tiff: 'image',
  svg: 'image',
  pdf: 'document',
  mp4: 'video',
  mov: 'video',
  webm: 'video',
  mkv: 'video',
  mpegts: 'video',
  flv: 'video',
  json: 'data',
  unknown: 'unknown',
};

const CONTENT_TYPES: Record<SniffedFormat, string> = {
  jpeg: 'image/jpeg',
  png: 'image/png',
  webp: 'image/webp',
  gif: 'image/gif',
  avif: 'image/avif',
  heic: 'image/heic',
  tiff: 'image/tiff',
  svg: 'image/svg+xml',
  pdf: 'application/pdf',
  mp4: 'video/mp4',
  mov: 'video/quicktime',
  webm: 'video/webm',
  mkv: 'video/x-matroska',
  mpegts: 'video/mp2t',
  flv: 'video/x-flv',
  json: 'application/json',
  unknown: 'application/octet-stream',
};

export function sniff(head: Uint8Array): Sniffed {
  const format = sniffFormat(head.subarray(0, SNIFF_BYTES));
  return { format, kind: KINDS[format], contentType: CONTENT_TYPES[format] };
}

function sniffFormat(b: Uint8Array): SniffedFormat {
  const ascii = (start: number, text: string) => {
    if (start + text.length > b.length) return false;
    for (let i = 0; i < text.length; i++) if (b[start + i] !== text.charCodeAt(i)) return false;
    return true;
  };
  if (b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'jpeg';
  if (ascii(0, '\x89PNG\r\n\x1a\n')) return 'png';
  if (ascii(0, 'GIF87a') || ascii(0, 'GIF89a')) return 'gif';
  if (ascii(0, 'RIFF') && ascii(8, 'WEBP')) return 'webp';
  // Classic TIFF (42) and BigTIFF (43), either byte order.
  if (ascii(0, 'II*\x00') || ascii(0, 'MM\x00*') || ascii(0, 'II+\x00') || ascii(0, 'MM\x00+')) return 'tiff';
  if (ascii(4, 'ftyp')) return isoBmffFormat(b);
  if (b[0] === 0x1a && b[1] === 0x45 && b[2] === 0xdf && b[3] === 0xa3) return ebmlFormat(b);
  if (ascii(0, 'FLV\x01')) return 'flv';
  if (isMpegTs(b)) return 'mpegts';
  if (ascii(0, '%PDF-')) return 'pdf';
  const text = textFormat(b);
  if (text !== 'unknown') return text;
  // Readers such as poppler accept the header anywhere in the first 1024 bytes, so we look there too.
  return indexOfAscii(b, '%PDF-', 0, 1024) >= 0 ? 'pdf' : 'unknown';
}

/** ISO base media (MP4, MOV, HEIF, AVIF): the `ftyp` box's major and compatible brands. */
function isoBmffFormat(b: Uint8Array): SniffedFormat {
  const boxSize = readUint32(b, 0);
  const end = Math.min(b.length, boxSize >= 16 ? boxSize : 16);
  const brands: string[] = [latin1(b, 8, 12)];
  for (let at = 16; at + 4 <= end; at += 4) brands.push(latin1(b, at, at + 4));
  const has = (...names: string[]) => brands.some((brand) => names.includes(brand));
  if (has('avif', 'avis')) return 'avif';
  if (has('heic', 'heix', 'heim', 'heis', 'hevc', 'hevx', 'mif1', 'msf1')) return 'heic';
  if (brands[0] === 'qt  ') return 'mov';
  return 'mp4';
}

/** EBML header: the DocType element (id 0x4282) says `webm` or `matroska`. */
function ebmlFormat(b: Uint8Array): SniffedFormat {
  const limit = Math.min(b.length, 64);
  for (let i = 4; i + 2 < limit; i++) {
    if (b[i] !== 0x42 || b[i + 1] !== 0x82) continue;
    const size = readVint(b, i + 2);
    if (!size) break;
    const docType = latin1(b, i + 2 + size.length, i + 2 + size.length + size.value);
    if (docType === 'webm') return 'webm';
    if (docType === 'matroska') return 'mkv';
    break;
  }
  // An EBML stream whose doc type we cannot read is still a Matroska-family container.
  return 'mkv';
}

/** MPEG transport stream: a 0x47 sync byte at the start of every 188-byte packet we can see (at least two). */
function isMpegTs(b: Uint8Array): boolean {
  const PACKET = 188;
  if (b[0] !== 0x47 || b.length <= PACKET) return false;
  for (let at = PACKET; at < b.length; at += PACKET) if (b[at] !== 0x47) return false;
  return true;
}

/** Text formats: JSON by its first character, SVG by its root element after the XML prologue. */
function textFormat(b: Uint8Array): SniffedFormat {
  let text = new TextDecoder('utf-8', { fatal: false }).decode(b);
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  text = text.trimStart();
  if (text.startsWith('{') || text.startsWith('[')) return 'json';
  return isSvgText(text) ? 'svg' : 'unknown';
}

/**
 * Skips what may precede an SVG's root element — the XML declaration, processing instructions,
 * comments and a DOCTYPE (internal subset included, where billion-laughs entities live) — and
 * looks at the first element. A prologue longer than the head we were given reads as unknown.
 */
function isSvgText(text: string): boolean {
  let at = 0;
  const skipSpace = () => {
    while (at < text.length && /\s/.test(text[at]!)) at++;
  };
  for (;;) {
    skipSpace();
    if (text.startsWith('<?', at)) {
      const end = text.indexOf('?>', at + 2);
      if (end < 0) return false;
      at = end + 2;
    } else if (text.startsWith('<!--', at)) {
      const end = text.indexOf('-->', at + 4);
      if (end < 0) return false;
      at = end + 3;
    } else if (/^<!DOCTYPE\s/i.test(text.slice(at, at + 10))) {
      if (/^<!DOCTYPE\s+svg[\s>[]/i.test(text.slice(at, at + 14))) return true;
      const end = doctypeEnd(text, at + 9);
      if (end < 0) return false;
      at = end;
    } else {
      return /^<(?:[A-Za-z_][\w.-]*:)?svg[\s/>]/.test(text.slice(at, at + 64));
    }
  }
}

/** The index just past a DOCTYPE's closing `>`, stepping over its `[...]` internal subset and quoted strings. */
function doctypeEnd(text: string, from: number): number {
  let depth = 0;
  let quote: string | undefined;
  for (let i = from; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '[') depth++;
    else if (c === ']') depth = Math.max(0, depth - 1);
    else if (c === '>' && depth === 0) return i + 1;
  }
  return -1;
}

function readUint32(b: Uint8Array, at: number): number {
  if (at + 4 > b.length) return 0;
  return ((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0;
}

/** An EBML variable-length integer: the leading zero bits of the first byte give its length. */
function readVint(b: Uint8Array, at: number): { value: number; length: number } | undefined {
  const first = b[at];
  if (first === undefined || first === 0) return undefined;
  let length = 1;
  while (length <= 8 && !(first & (0x80 >> (length - 1)))) length++;
  if (at + length > b.length) return undefined;
  let value = first & (0xff >> length);
  for (let i = 1; i < length; i++) value = value * 256 + b[at + i]!;
  return { value, length };
}

function latin1(b: Uint8Array, start: number, end: number): string {
  return String.fromCharCode(...b.subarray(start, Math.min(end, b.length)));
}

function indexOfAscii(b: Uint8Array, text: string, from: number, to: number): number {
  const last = Math.min(b.length, to) - text.length;
  outer: for (let i = from; i <= last; i++) {
    for (let j = 0; j < text.length; j++) if (b[i + j] !== text.charCodeAt(j)) continue outer;
    return i;
  }
  return -1;
}
