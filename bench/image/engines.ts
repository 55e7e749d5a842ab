import { spawnSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { transcode } from '../../functions/image-transcode/core.ts';
import { DEFAULT_RENDITIONS, transcodeOptionsSchema, type Rendition } from '../../functions/image-transcode/options.ts';

/** One way of turning the input into the default rendition set. Each returns the output byte total. */
export type Engine = (input: Buffer, inputPath: string, scratch: string) => Promise<number>;

const options = transcodeOptionsSchema.parse({ renditions: DEFAULT_RENDITIONS });

/** The kit's core, with every check and conversion the pipeline makes. */
const kit: Engine = async (input) => {
  const result = await transcode(input, options);
  return result.renditions.reduce((sum, r) => sum + r.bytes, 0);
};

/** What a user writes with sharp alone: orient, resize, encode. No limits, no colour or alpha handling. */
const plainSharp: Engine = async (input) => {
  const outputs = await Promise.all(
    options.renditions.map((r) => {
      const image = sharp(input).autoOrient().resize({ width: r.width, height: r.height, fit: r.fit, withoutEnlargement: true });
      return (r.format === 'webp' ? image.webp({ quality: r.quality }) : image.jpeg({ quality: r.quality })).toBuffer();
    }),
  );
  return outputs.reduce((sum, o) => sum + o.length, 0);
};

/** ImageMagick as a user would drive it: one `convert` that decodes once and writes every rendition. */
const imagemagick: Engine = async (_input, inputPath, scratch) => {
  const args = [inputPath, '-auto-orient', '-strip'];
  for (const r of options.renditions) {
    args.push('(', '+clone', ...magickGeometry(r), '-quality', String(r.quality), '-write', join(scratch, `${r.name}.${r.format === 'webp' ? 'webp' : 'jpg'}`), '+delete', ')');
  }
  args.push('null:');
  // GNU time reports the child's peak RSS, which Node cannot see.
  const run = spawnSync('/usr/bin/time', ['-f', 'peak-rss-kb=%M', '/usr/bin/convert', ...args], { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`ImageMagick failed (${run.status}): ${run.stderr || run.error?.message}`);
  const rss = Number(/peak-rss-kb=(\d+)/.exec(run.stderr)?.[1] ?? 0);
  childPeakRssKb = Math.max(childPeakRssKb, rss);
  let bytes = 0;
  for (const r of options.renditions) {
    bytes += statSync(join(scratch, `${r.name}.${r.format === 'webp' ? 'webp' : 'jpg'}`)).size;
  }
  return bytes;
};

function magickGeometry(r: Rendition): string[] {
  if (r.fit === 'cover' && r.width && r.height) {
    return ['-resize', `${r.width}x${r.height}^`, '-gravity', 'center', '-extent', `${r.width}x${r.height}`];
  }
  return ['-resize', `${r.width ?? ''}x${r.height ?? ''}>`];
}

/** Peak RSS of engine child processes seen so far (KiB). */
export let childPeakRssKb = 0;

export const ENGINES = { kit, sharp: plainSharp, imagemagick } as const;
export type EngineName = keyof typeof ENGINES;
