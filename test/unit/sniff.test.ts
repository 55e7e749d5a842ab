import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import fc from 'fast-check';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SNIFF_BYTES, sniff, type SniffedFormat } from '../../functions/shared/sniff.ts';
import { contentTypeFor, pipelineForContent } from '../../lib/local/cli/route-by-content.ts';
import * as fixtures from '../fixtures/images.ts';

const ffmpeg = (createRequire(import.meta.url)('@ffmpeg-installer/ffmpeg') as { path: string }).path;
const run = promisify(execFile);

/** Real containers from ffmpeg's test source: a quarter second of 32x32 video each. */
const VIDEOS: ReadonlyArray<readonly [SniffedFormat, string, string[]]> = [
  ['mp4', 'clip.mp4', ['-c:v', 'libx264']],
  ['mov', 'clip.mov', ['-c:v', 'libx264']],
  ['webm', 'clip.webm', ['-c:v', 'libvpx']],
  ['mkv', 'clip.mkv', ['-c:v', 'libx264']],
  ['mpegts', 'clip.ts', ['-c:v', 'libx264']],
  ['flv', 'clip.flv', ['-c:v', 'flv']],
];

let dir: string;
const videos = new Map<SniffedFormat, Buffer>();

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sniff-'));
  await Promise.all(
    VIDEOS.map(async ([format, name, codec]) => {
      const path = join(dir, name);
      await run(ffmpeg, ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc=size=32x32:rate=8:duration=0.25', ...codec, '-pix_fmt', 'yuv420p', '-y', path]);
      videos.set(format, await readFile(path));
    }),
  );
}, 60_000);

afterAll(() => rm(dir, { recursive: true, force: true }));

describe('sniff: images', () => {
  it('identifies every raster format sharp writes', async () => {
    const base = sharp({ create: { width: 8, height: 8, channels: 3, background: '#f80' } });
    const cases: Array<[SniffedFormat, Buffer]> = [
      ['jpeg', await base.clone().jpeg().toBuffer()],
      ['png', await base.clone().png().toBuffer()],
      ['webp', await base.clone().webp().toBuffer()],
      ['gif', await base.clone().gif().toBuffer()],
      ['avif', await base.clone().avif().toBuffer()],
      ['tiff', await base.clone().tiff().toBuffer()],
      ['tiff', await base.clone().tiff({ bigtiff: true }).toBuffer()],
    ];
    for (const [format, bytes] of cases) {
      expect(sniff(bytes), format).toMatchObject({ format, kind: 'image' });
    }
    expect(sniff(cases[4]![1]).contentType).toBe('image/avif');
  });

  it('tells HEIC from AVIF by the ftyp brands', () => {
    expect(sniff(fixtures.heicLike())).toEqual({ format: 'heic', kind: 'image', contentType: 'image/heic' });
    const mif1WithAvif = Buffer.concat([Buffer.from([0, 0, 0, 28]), Buffer.from('ftypmif1\0\0\0\0mif1miafavif', 'latin1')]);
    expect(sniff(mif1WithAvif).format).toBe('avif');
  });

  it.each([
    ['a bare root element', '<svg xmlns="http://www.w3.org/2000/svg"/>'],
    ['an XML declaration and comments', '<?xml version="1.0"?>\n<!-- a -->\n<!-- b -->\n<svg width="1">'],
    ['a byte-order mark and whitespace', '\ufeff  \n\t<svg>'],
    ['a DOCTYPE naming svg', '<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "x.dtd"><svg>'],
    ['an internal subset with > and ] inside quotes', '<!DOCTYPE doc [<!ENTITY a "x>]y">]>\n<svg>'],
    ['a namespace prefix', '<svg:svg xmlns:svg="http://www.w3.org/2000/svg">'],
  ])('finds SVG after %s', (_name, text) => {
    expect(sniff(Buffer.from(text))).toMatchObject({ format: 'svg', kind: 'image', contentType: 'image/svg+xml' });
  });

  it('finds the hostile SVG fixtures', () => {
    for (const svg of [fixtures.svgRenderBomb(), fixtures.svgBillionLaughs(), fixtures.svgDeepNesting(), fixtures.svgImage()]) {
      expect(sniff(svg).format).toBe('svg');
    }
  });

  it.each([
    ['other XML', '<?xml version="1.0"?><rss version="2.0">'],
    ['HTML', '<!doctype html><html><body><svg></svg></body></html>'],
    ['an element whose name starts with svg', '<svgfoo>'],
    ['a comment that never ends within the head', `<!-- ${'x'.repeat(SNIFF_BYTES)} --><svg>`],
  ])('does not call %s SVG', (_name, text) => {
    expect(sniff(Buffer.from(text)).format).toBe('unknown');
  });
});

describe('sniff: videos, documents, data', () => {
  it.each(VIDEOS.map(([format]) => format))('identifies %s written by ffmpeg', (format) => {
    expect(sniff(videos.get(format)!)).toMatchObject({ format, kind: 'video' });
  });

  it('needs the 0x47 sync byte at every 188-byte packet start it can see', () => {
    const ts = videos.get('mpegts')!;
    expect(sniff(ts.subarray(0, 189)).format).toBe('mpegts');
    // One packet proves nothing; a broken sync byte makes it something else.
    expect(sniff(ts.subarray(0, 188)).format).toBe('unknown');
    const broken = Buffer.from(ts.subarray(0, SNIFF_BYTES));
    broken[188 * 3] = 0;
    expect(sniff(broken).format).toBe('unknown');
  });

  it('finds a PDF at the start and behind leading junk, as PDF readers do', () => {
    expect(sniff(fixtures.pdfBomb())).toEqual({ format: 'pdf', kind: 'document', contentType: 'application/pdf' });
    expect(sniff(Buffer.concat([Buffer.alloc(300, 0x20), Buffer.from('garbage\n%PDF-1.4\n')])).format).toBe('pdf');
    expect(sniff(Buffer.concat([Buffer.alloc(1100, 0x20), Buffer.from('%PDF-1.4\n')])).format).toBe('unknown');
  });

  it.each(['{"battleId":"b"}', '  \n[1,2]', '\ufeff{"images":[]}'])('identifies JSON: %j', (text) => {
    expect(sniff(Buffer.from(text))).toEqual({ format: 'json', kind: 'data', contentType: 'application/json' });
  });

  it.each([
    ['empty', Buffer.alloc(0)],
    ['text', fixtures.textPretendingToBeJpeg],
    ['a JPEG signature cut short', Buffer.from([0xff, 0xd8])],
    ['zeros', Buffer.alloc(1000)],
  ])('calls %s unknown', (_name, bytes) => {
    expect(sniff(bytes)).toEqual({ format: 'unknown', kind: 'unknown', contentType: 'application/octet-stream' });
  });

  it('never throws and looks only at the first SNIFF_BYTES bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: SNIFF_BYTES + 64 }), fc.uint8Array({ maxLength: 64 }), (head, tail) => {
        const padded = Buffer.concat([head, Buffer.alloc(Math.max(0, SNIFF_BYTES - head.length), 0x20)]);
        expect(sniff(Buffer.concat([padded.subarray(0, SNIFF_BYTES), tail]))).toEqual(sniff(padded.subarray(0, SNIFF_BYTES)));
      }),
      { numRuns: 300 },
    );
  });
});

describe('CLI routing by content uses the same sniffer', () => {
  it('routes images (SVG included, for the image pipeline to refuse) and videos', async () => {
    expect(pipelineForContent(await fixtures.photoJpeg(16, 16))).toBe('image');
    expect(pipelineForContent(fixtures.heicLike())).toBe('image');
    expect(pipelineForContent(fixtures.svgImage())).toBe('image');
    for (const [format] of VIDEOS) expect(pipelineForContent(videos.get(format)!.subarray(0, 512)), format).toBe('video');
  });

  it('routes JSON by its shape: battle logs to settlement, job manifests to inference', () => {
    expect(pipelineForContent(Buffer.from(' {"battleId": "b-1", "players": []}'))).toBe('settlement');
    expect(pipelineForContent(Buffer.from('{"images": ["jobs/a.jpg"], "topK": 3}'))).toBe('inference');
    expect(pipelineForContent(Buffer.from('{"hello": "world"}'))).toBeUndefined();
    expect(pipelineForContent(Buffer.from('[{"battleId": 1}]'))).toBeUndefined();
  });

  it('does not route documents or unknown bytes', () => {
    expect(pipelineForContent(fixtures.pdfBomb())).toBeUndefined();
    expect(pipelineForContent(fixtures.textPretendingToBeJpeg)).toBeUndefined();
  });

  it('uploads with the sniffed content type', async () => {
    expect(contentTypeFor('image', await fixtures.alphaPng())).toBe('image/png');
    expect(contentTypeFor('video', videos.get('webm')!)).toBe('video/webm');
    expect(contentTypeFor('inference', Buffer.from('{"images":[]}'))).toBe('application/json');
    expect(contentTypeFor('settlement', Buffer.from('  {"battleId"'))).toBe('application/json');
  });
});
