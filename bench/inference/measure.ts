/** Timing helpers shared by the model benchmarks (bench/inference, bench/video/moderation.ts). */
import { spawnSync } from 'node:child_process';
import * as tf from '@tensorflow/tfjs';

export interface Span {
  readonly wallMs: number;
  /** User + system CPU of this process: libvips threads included, so per-core rates are honest. */
  readonly cpuSeconds: number;
}

export async function measure(fn: () => Promise<void>): Promise<Span> {
  const cpu = process.cpuUsage();
  const started = performance.now();
  await fn();
  const used = process.cpuUsage(cpu);
  return { wallMs: performance.now() - started, cpuSeconds: (used.user + used.system) / 1e6 };
}

/** measure() for work that returns something. */
export async function measured<T>(fn: () => Promise<T>): Promise<{ value: T; span: Span }> {
  let value: T | undefined;
  const span = await measure(async () => {
    value = await fn();
  });
  return { value: value as T, span };
}

export const rssMb = () => process.memoryUsage().rss / (1024 * 1024);

/** RSS samples over a long run: after warm-up, then every `every` items; growth relative to the warm-up sample. */
export interface RssTrace {
  readonly items: number;
  readonly warmRssMb: number;
  readonly finalRssMb: number;
  readonly peakRssMb: number;
  readonly growthPercent: number;
  readonly samples: readonly { readonly items: number; readonly rssMb: number }[];
}

export async function traceRss(total: number, batch: number, warmUp: number, every: number, step: (count: number) => Promise<void>): Promise<RssTrace> {
  for (let done = 0; done < warmUp; done += batch) await step(Math.min(batch, warmUp - done));
  globalThis.gc?.();
  const warmRssMb = rssMb();
  const samples = [{ items: 0, rssMb: warmRssMb }];
  let peak = warmRssMb;
  for (let done = 0; done < total; ) {
    const count = Math.min(batch, total - done);
    await step(count);
    done += count;
    peak = Math.max(peak, rssMb());
    if (done % every === 0 || done === total) samples.push({ items: done, rssMb: rssMb() });
  }
  globalThis.gc?.();
  const finalRssMb = rssMb();
  return { items: total, warmRssMb, finalRssMb, peakRssMb: peak, growthPercent: ((finalRssMb - warmRssMb) / warmRssMb) * 100, samples };
}

/** traceRss, failing when any tensor outlives the run: flat RSS means nothing if tensors leak. */
export async function traceRssWithoutLeaks(total: number, batch: number, warmUp: number, every: number, step: (count: number) => Promise<void>): Promise<RssTrace> {
  const tensors = tf.memory().numTensors;
  const trace = await traceRss(total, batch, warmUp, every, step);
  if (tf.memory().numTensors !== tensors) throw new Error(`tensors leaked: ${tensors} → ${tf.memory().numTensors}`);
  return trace;
}

/**
 * Each backend runs in a child process of its own (`<benchmark file> --child <args…>`), so one's
 * heap, RSS and registered kernels never colour the other's numbers. In the child, `runChild`
 * prints the result and exits; in the parent, `spawnChild` returns it.
 */
export async function runChild(run: (args: readonly string[]) => Promise<unknown>): Promise<void> {
  const args = process.argv.slice(2);
  if (args[0] !== '--child') return;
  process.stdout.write(`\n${JSON.stringify(await run(args.slice(1)))}\n`);
  process.exit(0);
}

export function spawnChild<T>(benchmarkFile: string, args: readonly string[]): T {
  const run = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', benchmarkFile, '--child', ...args], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (run.status !== 0) throw new Error(`${args.join(' ')} run failed: ${run.stderr}`);
  return JSON.parse(run.stdout.trim().split('\n').at(-1)!) as T;
}
