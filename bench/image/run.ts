import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { median, printTable, writeResults } from '../lib/report.ts';
import type { EngineName } from './engines.ts';

/**
 * bench/image: the default rendition set (thumbnail 256 cover JPEG, 1280 WebP, 1920 JPEG) from a
 * 12 MP JPEG, by the kit's core, by plain sharp and by ImageMagick, each in its own process,
 * interleaved over several rounds so drift hits all alike. Throughput is images per CPU-second
 * (= per core); wall time and peak RSS are reported beside it.
 *   npx tsx bench/image/run.ts [--rounds N] [--iterations N]
 */
const args = process.argv.slice(2);
const flag = (name: string, fallback: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const rounds = flag('rounds', 3);
const iterations = flag('iterations', 6);
const TARGETS = { vsSharp: 0.9, vsImageMagick: 4 };

function ensureImageMagick(): boolean {
  if (existsSync('/usr/bin/convert') && existsSync('/usr/bin/time')) return true;
  if (process.getuid?.() !== 0) {
    console.warn('ImageMagick baseline skipped: run as root or `apt-get install imagemagick time` first');
    return false;
  }
  console.error('Installing the ImageMagick baseline (Debian packages imagemagick, time)…');
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit' });
  execFileSync('apt-get', ['install', '-y', '-qq', 'imagemagick', 'time'], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  return true;
}

interface EngineRun {
  engine: EngineName;
  iterations: number;
  wallMs: number[];
  cpuSeconds: number;
  outputBytes: number;
  peakRssKb: number;
}

function runEngine(engine: EngineName, input: string, n: number): EngineRun {
  const run = spawnSync(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'engine-process.ts'), engine, input, String(n)], {
    encoding: 'utf8',
    env: { ...process.env, MAGICK_THREAD_LIMIT: '1', UV_THREADPOOL_SIZE: '4' },
  });
  if (run.status !== 0) throw new Error(`${engine} failed: ${run.stderr}`);
  return JSON.parse(run.stdout.trim().split('\n').at(-1)!) as EngineRun;
}

const dir = mkdtempSync(join(tmpdir(), 'bench-image-'));
const inputPath = join(dir, 'photo-12mp.jpg');
const input = await photoLike12mp();
writeFileSync(inputPath, input);
console.error(`input: 4000x3000 JPEG, ${(input.length / 1e6).toFixed(1)} MB; ${rounds} rounds x ${iterations} images per engine`);

/**
 * A photo-like 12 MP JPEG: smooth regions (a random 48x36 colour field upscaled) with grain on top
 * (soft-light noise), at q90 — the detail mix of a camera shot. Pure noise would make every
 * encoder's cost the whole story and no photo looks like that.
 */
async function photoLike12mp(): Promise<Buffer> {
  const field = Buffer.alloc(48 * 36 * 3);
  let seed = 42;
  for (let i = 0; i < field.length; i++) {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    field[i] = seed % 256;
  }
  const grain = await sharp({ create: { width: 4000, height: 3000, channels: 3, background: '#808080', noise: { type: 'gaussian', mean: 128, sigma: 24 } } })
    .png()
    .toBuffer();
  return sharp(field, { raw: { width: 48, height: 36, channels: 3 } })
    .resize(4000, 3000, { kernel: 'cubic' })
    .composite([{ input: grain, blend: 'soft-light' }])
    .jpeg({ quality: 90 })
    .toBuffer();
}

const engines: EngineName[] = ['kit', 'sharp'];
if (ensureImageMagick()) engines.push('imagemagick');
const runs: Record<string, EngineRun[]> = Object.fromEntries(engines.map((e) => [e, []]));
for (let round = 0; round < rounds; round++) {
  const order = round % 2 ? [...engines].reverse() : engines;
  for (const engine of order) {
    // ImageMagick is several times slower: fewer images keep the run short without changing its rate.
    runs[engine]!.push(runEngine(engine, inputPath, engine === 'imagemagick' ? Math.max(2, Math.ceil(iterations / 3)) : iterations));
    console.error(`round ${round + 1}: ${engine} done`);
  }
}

const summary = engines.map((engine) => {
  const perRound = runs[engine]!;
  const perCoreSecond = median(perRound.map((r) => r.iterations / r.cpuSeconds));
  return {
    engine,
    images: perRound.reduce((n, r) => n + r.iterations, 0),
    cpuSecondsPerImage: 1 / perCoreSecond,
    imagesPerCoreSecond: perCoreSecond,
    wallMsPerImage: median(perRound.flatMap((r) => r.wallMs)),
    peakRssMb: Math.max(...perRound.map((r) => r.peakRssKb)) / 1024,
    outputBytes: perRound[0]!.outputBytes,
  };
});
const kit = summary.find((s) => s.engine === 'kit')!;
const ratio = (engine: string) => {
  const other = summary.find((s) => s.engine === engine);
  return other ? kit.imagesPerCoreSecond / other.imagesPerCoreSecond : undefined;
};

printTable(
  ['engine', 'images', 'CPU s / image', 'images / core-second', 'wall ms / image', 'peak RSS MB', 'output KB', 'kit throughput ÷ engine'],
  summary.map((s) => [
    s.engine,
    s.images,
    s.cpuSecondsPerImage.toFixed(3),
    s.imagesPerCoreSecond.toFixed(2),
    s.wallMsPerImage.toFixed(0),
    s.peakRssMb.toFixed(0),
    (s.outputBytes / 1024).toFixed(0),
    `${(kit.imagesPerCoreSecond / s.imagesPerCoreSecond).toFixed(2)}x`,
  ]),
);
const vsSharp = ratio('sharp')!;
const vsImageMagick = ratio('imagemagick');
console.log(`\nkit vs plain sharp: ${vsSharp.toFixed(2)}x (target ≥ ${TARGETS.vsSharp}x, i.e. within 10%): ${vsSharp >= TARGETS.vsSharp ? 'met' : 'MISSED'}`);
if (vsImageMagick !== undefined) {
  console.log(`kit vs ImageMagick: ${vsImageMagick.toFixed(2)}x (target ≥ ${TARGETS.vsImageMagick}x): ${vsImageMagick >= TARGETS.vsImageMagick ? 'met' : 'MISSED'}`);
}
const file = writeResults('image', { rounds, iterations, targets: TARGETS, summary, ratios: { vsSharp, vsImageMagick }, runs });
console.log(`results: ${file}`);
