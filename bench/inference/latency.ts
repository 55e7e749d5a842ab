import { PutObjectCommand } from '@aws-sdk/client-s3';
import { type ImageEntry, runInference } from '../../functions/inference/core.ts';
import { defaultImageModel } from '../../functions/shared/model/index.ts';
import { ensureAssembly } from '../../lib/local/assembly/ensure-assembly.ts';
import { LocalRuntime } from '../../lib/local/runtime.ts';
import { PROJECT_ROOT } from '../../lib/pipelines/paths.ts';
import { noiseJpeg } from '../../test/fixtures/model-images.ts';
import { median, percentile, printTable, writeResults } from '../lib/report.ts';

/**
 * bench/inference, second half: job latency through the local runtime (the `ai` preset's bundled
 * function in its own execution environment, S3 event → SQS → poller → function → result.json →
 * terminal), beside the same work on the core in this process (the baseline: no queue, no S3,
 * no environment). Upload-to-terminal per job:
 *   - sequential one-image jobs (warm)
 *   - a burst of one-image jobs uploaded at once
 *   - sequential 8-image manifests
 *   npx tsx bench/inference/latency.ts [--jobs 30] [--burst 16]
 */
const args = process.argv.slice(2);
const flag = (name: string, fallback: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const JOBS = flag('jobs', 30);
const BURST = flag('burst', 16);
const MANIFEST_IMAGES = 8;

const images = await Promise.all(Array.from({ length: 8 }, (_, seed) => noiseJpeg(seed, 640, 480)));

// Baseline: the core on the default model in this process.
const model = await defaultImageModel({ backend: 'wasm' });
const entry = (i: number): ImageEntry => ({ key: `jobs/p${i}.jpg`, bytes: images[i % images.length]! });
await runInference([entry(0)], { model });
const coreSingle: number[] = [];
for (let i = 0; i < JOBS; i++) {
  const t = performance.now();
  await runInference([entry(i)], { model });
  coreSingle.push(performance.now() - t);
}
const coreManifest: number[] = [];
for (let i = 0; i < Math.max(5, Math.floor(JOBS / 3)); i++) {
  const t = performance.now();
  await runInference(Array.from({ length: MANIFEST_IMAGES }, (_, j) => entry(i * MANIFEST_IMAGES + j)), { model });
  coreManifest.push(performance.now() - t);
}

const { directory } = await ensureAssembly({ projectRoot: PROJECT_ROOT, preset: 'ai' });
const runtime = await LocalRuntime.start({ assemblyDirectory: directory, onWarning: () => {} });
const route = runtime.pipeline('inference')!;
const job = async (name: string, body: Uint8Array, contentType: string) => {
  const started = performance.now();
  const task = await runtime.upload(route, name, body, contentType);
  const done = await task.done;
  if (done.status !== 'succeeded') throw new Error(`${name}: ${done.status} ${JSON.stringify(done.error)}`);
  return performance.now() - started;
};

let cold = 0;
const single: number[] = [];
const burst: number[] = [];
const manifest: number[] = [];
try {
  cold = await job('cold.jpg', images[0]!, 'image/jpeg');
  for (let i = 0; i < JOBS; i++) single.push(await job(`single-${i}.jpg`, images[i % images.length]!, 'image/jpeg'));
  burst.push(...(await Promise.all(Array.from({ length: BURST }, (_, i) => job(`burst-${i}.jpg`, images[i % images.length]!, 'image/jpeg')))));
  // Images under jobs/ are jobs of their own too: uploaded once, untimed, and left to finish first.
  const keys: string[] = [];
  for (let j = 0; j < MANIFEST_IMAGES; j++) {
    keys.push(`jobs/bench-batch/${j}.jpg`);
    await runtime.s3.send(new PutObjectCommand({ Bucket: route.ingestBucket, Key: keys[j], Body: images[j % images.length], ContentType: 'image/jpeg' }));
  }
  await new Promise((r) => setTimeout(r, 3000));
  for (let i = 0; i < Math.max(5, Math.floor(JOBS / 3)); i++) manifest.push(await job(`batch-${i}.json`, Buffer.from(JSON.stringify({ images: keys })), 'application/json'));
} finally {
  await runtime.stop();
}

const stats = (values: number[]) => ({ n: values.length, p50: median(values), p99: percentile(values, 99) });
const rows = [
  ['one-image job, sequential (warm)', stats(single), stats(coreSingle)],
  [`one-image jobs, burst of ${BURST}`, stats(burst), stats(coreSingle)],
  [`${MANIFEST_IMAGES}-image manifest, sequential`, stats(manifest), stats(coreManifest)],
] as const;
const ms = (v: number) => v.toFixed(0);
console.log(`\ncold start (first job, model load included): ${ms(cold)} ms\n`);
printTable(
  ['case', 'jobs', 'runtime p50 ms', 'runtime p99 ms', 'core p50 ms', 'core p99 ms', 'p50 ratio runtime/core'],
  rows.map(([name, rt, core]) => [name, rt.n, ms(rt.p50), ms(rt.p99), ms(core.p50), ms(core.p99), `${(rt.p50 / core.p50).toFixed(1)}x`]),
);
const file = writeResults('inference-latency', { coldMs: cold, single: stats(single), burst: stats(burst), manifest: stats(manifest), coreSingle: stats(coreSingle), coreManifest: stats(coreManifest) });
console.log(`\n${file}`);
model.dispose();
