import { type ImageEntry, runInference } from '../../functions/inference/core.ts';
import { type BackendName, defaultImageModel, ensureBackend } from '../../functions/shared/model/index.ts';
import { noiseJpeg } from '../../test/fixtures/model-images.ts';
import { printTable, writeResults } from '../lib/report.ts';
import { measure, measured, runChild, spawnChild, type RssTrace, traceRssWithoutLeaks } from './measure.ts';

/**
 * bench/inference: the inference core on the default model (nsfwjs MobileNetV2), wasm beside the
 * pure-JS cpu backend, each in its own process so model load is a cold start and RSS is its own.
 *   - model load (backend init + read + hash + build + warm-up prediction)
 *   - warm single-image jobs: images/s wall and per core (images per CPU-second)
 *   - a 32-image manifest as one batch beside 32 single-image jobs (wasm)
 *   - RSS over 2 000 images after warm-up (wasm): flat means under 10% growth
 *   npx tsx bench/inference/run.ts [--images 2000] [--singles 64] [--cpu-singles 6]
 */
const args = process.argv.slice(2);
const flag = (name: string, fallback: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const TARGETS = { imagesPerCoreSecond: 10, loadMs: 1000, rssGrowthPercent: 10 };

interface BackendRun {
  backend: BackendName;
  wasmBinary?: string;
  backendInitMs: number;
  modelLoadMs: number;
  modelLoadCpuSeconds: number;
  sha256: string;
  singles: { images: number; wallMs: number; cpuSeconds: number };
  batch?: { manifestMs: number; singlesMs: number; manifestCpuSeconds: number; singlesCpuSeconds: number };
  rss?: RssTrace;
}

async function child(backend: BackendName, singles: number, rssImages: number): Promise<BackendRun> {
  // 640x480 photo-like JPEGs, as an ad image or a captured frame would arrive; 8 distinct ones cycled.
  const images = await Promise.all(Array.from({ length: 8 }, (_, seed) => noiseJpeg(seed, 640, 480)));
  const entry = (i: number): ImageEntry => ({ key: `jobs/photo-${i}.jpg`, bytes: images[i % images.length]! });
  const {
    value: [info, model],
    span: load,
  } = await measured(async () => [await ensureBackend(backend), await defaultImageModel({ backend })] as const);

  await runInference([entry(0)], { model }); // first job after load: steady state from here
  const single = await measure(async () => {
    for (let i = 0; i < singles; i++) await runInference([entry(i)], { model });
  });
  const run: BackendRun = {
    backend,
    ...(info.wasmBinary && { wasmBinary: info.wasmBinary.split('/').at(-1)! }),
    backendInitMs: info.initMs,
    modelLoadMs: load.wallMs,
    modelLoadCpuSeconds: load.cpuSeconds,
    sha256: model.sha256,
    singles: { images: singles, ...single },
  };
  if (backend === 'wasm') {
    const manifest = Array.from({ length: 32 }, (_, i) => entry(i));
    const asBatch = await measure(async () => void (await runInference(manifest, { model })));
    const asSingles = await measure(async () => {
      for (const e of manifest) await runInference([e], { model });
    });
    run.batch = { manifestMs: asBatch.wallMs, singlesMs: asSingles.wallMs, manifestCpuSeconds: asBatch.cpuSeconds, singlesCpuSeconds: asSingles.cpuSeconds };
    let done = 0;
    run.rss = await traceRssWithoutLeaks(rssImages, 16, 64, 250, async (count) => {
      await runInference(Array.from({ length: count }, () => entry(done++)), { model });
    });
  }
  return run;
}

await runChild(([backend, singles, rss]) => child(backend as BackendName, Number(singles), Number(rss)));

const spawnBackend = (backend: BackendName, singles: number, rssImages: number) => spawnChild<BackendRun>(import.meta.filename, [backend, String(singles), String(rssImages)]);

const rssImages = flag('images', 2000);
console.error(`wasm: load, ${flag('singles', 64)} single jobs, 32-image manifest vs 32 singles, RSS over ${rssImages} images…`);
const wasm = spawnBackend('wasm', flag('singles', 64), rssImages);
console.error(`cpu: load, ${flag('cpu-singles', 6)} single jobs (the pure-JS backend is ~20x slower)…`);
const cpu = spawnBackend('cpu', flag('cpu-singles', 6), 0);
if (wasm.sha256 !== cpu.sha256) throw new Error('the two backends loaded different model bytes');

const perCore = (r: BackendRun) => r.singles.images / r.singles.cpuSeconds;
const perSecond = (r: BackendRun) => r.singles.images / (r.singles.wallMs / 1000);
printTable(
  ['backend', 'wasm binary', 'backend init ms', 'model load ms (CPU ms)', 'images', 'images/s (wall)', 'images / core-second', 'wasm ÷ backend'],
  [wasm, cpu].map((r) => [
    r.backend,
    r.wasmBinary ?? '-',
    r.backendInitMs.toFixed(0),
    `${r.modelLoadMs.toFixed(0)} (${(r.modelLoadCpuSeconds * 1000).toFixed(0)})`,
    r.singles.images,
    perSecond(r).toFixed(2),
    perCore(r).toFixed(2),
    `${(perCore(wasm) / perCore(r)).toFixed(1)}x`,
  ]),
);
const batch = wasm.batch!;
console.log('');
printTable(
  ['wasm: 32 images', 'wall ms', 'ms / image', 'CPU s', 'singles ÷ manifest'],
  [
    ['one manifest (one batch, passes of 8)', batch.manifestMs.toFixed(0), (batch.manifestMs / 32).toFixed(1), batch.manifestCpuSeconds.toFixed(2), `${(batch.singlesMs / batch.manifestMs).toFixed(2)}x`],
    ['32 single-image jobs', batch.singlesMs.toFixed(0), (batch.singlesMs / 32).toFixed(1), batch.singlesCpuSeconds.toFixed(2), '1.00x'],
  ],
);
const rss = wasm.rss!;
console.log('');
printTable(
  ['wasm RSS', 'images', 'after warm-up MB', 'final MB', 'peak MB', 'growth'],
  [['inference jobs of 16', rss.items, rss.warmRssMb.toFixed(0), rss.finalRssMb.toFixed(0), rss.peakRssMb.toFixed(0), `${rss.growthPercent.toFixed(1)}%`]],
);
const verdict = (ok: boolean) => (ok ? 'met' : 'MISSED');
console.log(`\nwarm throughput: ${perCore(wasm).toFixed(1)} images/core-second (target ≥ ${TARGETS.imagesPerCoreSecond}): ${verdict(perCore(wasm) >= TARGETS.imagesPerCoreSecond)}`);
console.log(
  `model load (cold, wasm): ${wasm.modelLoadMs.toFixed(0)} ms wall, ${(wasm.modelLoadCpuSeconds * 1000).toFixed(0)} ms CPU (target < ${TARGETS.loadMs}): wall ${verdict(wasm.modelLoadMs < TARGETS.loadMs)}, CPU ${verdict(wasm.modelLoadCpuSeconds * 1000 < TARGETS.loadMs)}`,
);
console.log(`RSS growth over ${rss.items} images: ${rss.growthPercent.toFixed(1)}% (target < ${TARGETS.rssGrowthPercent}%): ${verdict(rss.growthPercent < TARGETS.rssGrowthPercent)}`);
const file = writeResults('inference', { targets: TARGETS, wasm, cpu });
console.log(`results: ${file}`);
