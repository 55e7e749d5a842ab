import sharp from 'sharp';
import { type BackendName, defaultImageModel, ensureBackend } from '../../functions/shared/model/index.ts';
import { type Frame, ModerationSettingsSchema, moderationReport, nsfwjsProvider, thresholdsFor } from '../../functions/shared/moderation/index.ts';
import { cartoonPng, gradientPng, noiseJpeg } from '../../test/fixtures/model-images.ts';
import { measure, runChild, spawnChild, type RssTrace, traceRssWithoutLeaks } from '../inference/measure.ts';
import { printTable, writeResults } from '../lib/report.ts';

/**
 * bench/video, moderation part: frames as the capture step makes them (640x360 JPEG) through the
 * nsfwjs provider with the video preset's settings, on wasm beside the pure-JS cpu backend, each
 * backend in its own process. Frames/s per core (frames per CPU-second, JPEG decode included) and
 * RSS over 2 000 classifications after warm-up on wasm.
 *   npx tsx bench/video/moderation.ts [--frames 2000] [--timed 64] [--cpu-timed 6]
 */
const args = process.argv.slice(2);
const flag = (name: string, fallback: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const TARGETS = { framesPerCoreSecond: 10, rssGrowthPercent: 10 };

interface BackendRun {
  backend: BackendName;
  loadMs: number;
  timed: { frames: number; wallMs: number; cpuSeconds: number };
  rss?: RssTrace;
}

async function frames(): Promise<Frame[]> {
  const sources = [await cartoonPng(), await gradientPng(), ...(await Promise.all([1, 2, 3, 4, 5, 6].map((seed) => noiseJpeg(seed, 640, 360))))];
  return Promise.all(
    sources.map(async (source, i) => ({ timestampMs: i * 5000, jpeg: new Uint8Array(await sharp(source).resize(640, 360, { fit: 'fill' }).jpeg({ quality: 80 }).toBuffer()) })),
  );
}

async function child(backend: BackendName, timedFrames: number, rssFrames: number): Promise<BackendRun> {
  const pool = await frames();
  const settings = ModerationSettingsSchema.parse({});
  const started = performance.now();
  await ensureBackend(backend);
  const provider = nsfwjsProvider({ model: await defaultImageModel({ backend }), minConfidence: settings.minConfidence, batchSize: settings.batchSize });
  const loadMs = performance.now() - started;
  const take = (count: number, offset: number) => Array.from({ length: count }, (_, i) => ({ ...pool[(offset + i) % pool.length]!, timestampMs: (offset + i) * 5000 }));
  await provider.classify(take(settings.batchSize, 0));
  // One video's worth of frames per call, then its report: the work a video object costs.
  const timed = await measure(async () => {
    const classified = await provider.classify(take(timedFrames, 0));
    moderationReport({ provider, frames: classified, thresholds: thresholdsFor(settings), segmentGapMs: settings.segmentGapMs, maxEvidenceFrames: settings.maxEvidenceFrames });
  });
  const run: BackendRun = { backend, loadMs, timed: { frames: timedFrames, ...timed } };
  if (backend === 'wasm' && rssFrames > 0) {
    let done = 0;
    run.rss = await traceRssWithoutLeaks(rssFrames, 24, 48, 250, async (count) => {
      await provider.classify(take(count, done));
      done += count;
    });
  }
  return run;
}

await runChild(([backend, timed, rss]) => child(backend as BackendName, Number(timed), Number(rss)));

const spawnBackend = (backend: BackendName, timed: number, rssFrames: number) => spawnChild<BackendRun>(import.meta.filename, [backend, String(timed), String(rssFrames)]);

const rssFrames = flag('frames', 2000);
console.error(`wasm: ${flag('timed', 64)} frames timed, then RSS over ${rssFrames} classifications…`);
const wasm = spawnBackend('wasm', flag('timed', 64), rssFrames);
console.error(`cpu: ${flag('cpu-timed', 6)} frames timed…`);
const cpu = spawnBackend('cpu', flag('cpu-timed', 6), 0);

const perCore = (r: BackendRun) => r.timed.frames / r.timed.cpuSeconds;
printTable(
  ['backend', 'load ms', 'frames', 'frames/s (wall)', 'frames / core-second', 'wasm ÷ backend'],
  [wasm, cpu].map((r) => [r.backend, r.loadMs.toFixed(0), r.timed.frames, (r.timed.frames / (r.timed.wallMs / 1000)).toFixed(2), perCore(r).toFixed(2), `${(perCore(wasm) / perCore(r)).toFixed(1)}x`]),
);
const rss = wasm.rss!;
console.log('');
printTable(
  ['wasm RSS', 'classifications', 'after warm-up MB', 'final MB', 'peak MB', 'growth'],
  [['nsfwjs provider, calls of 24 frames', rss.items, rss.warmRssMb.toFixed(0), rss.finalRssMb.toFixed(0), rss.peakRssMb.toFixed(0), `${rss.growthPercent.toFixed(1)}%`]],
);
const verdict = (ok: boolean) => (ok ? 'met' : 'MISSED');
console.log(`\nmoderation: ${perCore(wasm).toFixed(1)} frames/core-second (target ≥ ${TARGETS.framesPerCoreSecond}): ${verdict(perCore(wasm) >= TARGETS.framesPerCoreSecond)}`);
console.log(`RSS growth over ${rss.items} classifications: ${rss.growthPercent.toFixed(1)}% (target < ${TARGETS.rssGrowthPercent}%): ${verdict(rss.growthPercent < TARGETS.rssGrowthPercent)}`);
console.log(`results: ${writeResults('video-moderation', { targets: TARGETS, wasm, cpu })}`);
