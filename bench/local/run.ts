/**
 * Local runtime benchmark (not a test): 500 small images uploaded to the image pipeline running in
 * the local runtime, beside the same 500 transcoded by the core directly in this process, in the
 * same run. Prints upload-to-result latency p50/p99, throughput and their ratios, plus the
 * per-task overhead of the runtime measured one upload at a time; writes JSON to bench/results/.
 *
 * Two more columns attribute the difference. "bundle in-process" runs the function's own bundle in
 * this process (no queue, no notification, no worker), fed the same SQS events: what the pipeline
 * itself costs (reading the input, writing renditions and a manifest through S3). "bundle in
 * workers" sends those events straight to the runtime's execution environments (worker threads,
 * no queue, no notification): what isolation costs. The rest is the queue and event machinery.
 *
 *   npx tsx bench/local/run.ts [--count 500] [--sequential 40]
 *
 * The preset is `all` with a batching window of 0 (bench/local/bench-config.json): the default
 * 1 s window is a deliberate cost/latency trade of the preset, not runtime overhead.
 */
import { readFileSync } from 'node:fs';
import Module from 'node:module';
import { availableParallelism, cpus } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { transcode } from '../../functions/image-transcode/core.ts';
import { transcodeOptionsSchema, type TranscodeOptions } from '../../functions/image-transcode/options.ts';
import { EnvName } from '../../functions/shared/env-names.ts';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import type { Context, SQSEvent } from 'aws-lambda';
import { ensureAssembly } from '../../lib/local/assembly/ensure-assembly.ts';
import { toLambdaSqsRecord } from '../../lib/local/event-sources/sqs-event.ts';
import { lambdaEnvironment } from '../../lib/local/lambda/lambda-environment.ts';
import type { FunctionSpec } from '../../lib/local/lambda/function-spec.ts';
import { s3EventRecord } from '../../lib/local/notifications/s3-event-record.ts';
import { percentile, printTable, writeResults } from '../lib/report.ts';
import { LocalRuntime } from '../../lib/local/runtime.ts';
import { PROJECT_ROOT } from '../../lib/pipelines/paths.ts';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const ROOT = PROJECT_ROOT;
const { values } = parseArgs({ options: { count: { type: 'string', default: '500' }, sequential: { type: 'string', default: '40' } } });
const COUNT = Number(values.count);
const SEQUENTIAL = Number(values.sequential);

const log = (message: string) => process.stderr.write(`bench ${message}\n`);

async function inputs(count: number): Promise<Buffer[]> {
  // Twenty distinct 320x240 photo-like JPEGs, cycled: every upload is a real decode and encode.
  const variants = await Promise.all(
    Array.from({ length: 20 }, (_, i) =>
      sharp({ create: { width: 320, height: 240, channels: 3, background: { r: 40 + i * 9, g: 120, b: 200 - i * 7 }, noise: { type: 'gaussian', mean: 128, sigma: 30 } } })
        .jpeg({ quality: 85 })
        .toBuffer(),
    ),
  );
  return Array.from({ length: count }, (_, i) => variants[i % variants.length]!);
}


async function pool<T>(items: readonly T[], concurrency: number, work: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) {
        const i = next++;
        await work(items[i]!, i);
      }
    }),
  );
}

type Handler = (event: SQSEvent, context: Context) => Promise<unknown>;

/**
 * The function's bundle loaded in this process with its local environment, as CommonJS (the asset
 * has no package.json of its own; the project's says "type": "module").
 */
function loadBundleInProcess(spec: FunctionSpec, endpoint: string): Handler {
  Object.assign(process.env, lambdaEnvironment(spec, { region: 'us-east-1', endpoint }));
  const filename = join(spec.codeDirectory, `${spec.handlerModule}.js`);
  const module = new Module(filename) as Module & { _compile(code: string, file: string): void; paths: string[] };
  module.filename = filename;
  module.paths = (Module as unknown as { _nodeModulePaths(dir: string): string[] })._nodeModulePaths(spec.codeDirectory);
  module._compile(readFileSync(filename, 'utf8'), filename);
  return (module.exports as Record<string, Handler>)[spec.handlerExport]!;
}

function contextFor(spec: FunctionSpec): Context {
  const deadline = Date.now() + spec.timeoutSeconds * 1000;
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: spec.name,
    functionVersion: '$LATEST',
    invokedFunctionArn: spec.arn,
    memoryLimitInMB: String(spec.memoryMb),
    awsRequestId: crypto.randomUUID(),
    logGroupName: `/aws/lambda/${spec.name}`,
    logStreamName: 'bench',
    getRemainingTimeInMillis: () => deadline - Date.now(),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

async function main(): Promise<void> {
  const assembly = await ensureAssembly({
    projectRoot: ROOT,
    preset: 'all',
    outDir: join(ROOT, '.media-kit', 'assembly', 'bench-all'),
    context: { config: 'bench/local/bench-config.json' },
    onProgress: log,
  });
  const images = await inputs(COUNT);
  const runtime = await LocalRuntime.start({ assemblyDirectory: assembly.directory, onError: (e) => log(`error: ${e.message}`) });
  try {
    const route = runtime.pipeline('image');
    if (!route) throw new Error('The bench assembly has no image pipeline');
    const host = runtime.hosts.get(route.functionName)!;
    const options: TranscodeOptions = transcodeOptionsSchema.parse(JSON.parse(host.spec.environment[EnvName.PIPELINE_SETTINGS]!));
    const mapping = runtime.index.resourcesOfType('AWS::Lambda::EventSourceMapping')[0]!;
    const mappingMax = Number((runtime.index.property(mapping.stackName, mapping.logicalId, 'ScalingConfig') as { MaximumConcurrency?: number })?.MaximumConcurrency ?? 1000);
    const concurrency = Math.min(mappingMax, Math.max(4, availableParallelism() * 2));
    log(`${COUNT} images of 320x240, ${options.renditions.length} renditions each, concurrency ${concurrency}, ${cpus().length} CPUs`);

    // Warm both sides: module load, sharp init and the first execution environments.
    await pool(images.slice(0, concurrency), concurrency, async (image) => void (await transcode(image, options)));
    await Promise.all((await Promise.all(images.slice(0, concurrency).map((image, i) => runtime.upload(route, `warm/${i}.jpg`, image)))).map((t) => t.done));

    // Burst, direct core: every image queued at t0, `concurrency` transcodes in flight.
    const directLatencies: number[] = [];
    const directStart = performance.now();
    await pool(images, concurrency, async (image) => {
      await transcode(image, options);
      directLatencies.push(performance.now() - directStart);
    });
    const directWall = performance.now() - directStart;

    // Burst, the function's bundle in this process: same batches, same S3 I/O, no runtime.
    const batchSize = Number(runtime.index.property(mapping.stackName, mapping.logicalId, 'BatchSize') ?? 10);
    const bucket = route.ingestBucket;
    await Promise.all(images.map((image, i) => runtime.s3.send(new PutObjectCommand({ Bucket: bucket, Key: `bench-inprocess/${i}.jpg`, Body: image }))));
    const handler = loadBundleInProcess(host.spec, runtime.endpoint);
    const silence = process.stdout.write.bind(process.stdout);
    process.stdout.write = (() => true) as typeof process.stdout.write; // the bundle's Powertools logs
    const batches = Array.from({ length: Math.ceil(COUNT / batchSize) }, (_, b) =>
      Array.from({ length: Math.min(batchSize, COUNT - b * batchSize) }, (_, j) => b * batchSize + j),
    );
    const eventFor = (batch: number[]): SQSEvent => ({
      Records: batch.map((i) => {
        const body = JSON.stringify({
          Records: [s3EventRecord({ eventName: 'ObjectCreated:Put', bucket, key: `bench-inprocess/${i}.jpg`, size: images[i]!.length, eTag: '', sequencer: String(i), time: new Date() }, 'bench', 'us-east-1')],
        });
        return toLambdaSqsRecord({ MessageId: `m${i}`, ReceiptHandle: `r${i}`, Body: body, Attributes: { ApproximateReceiveCount: '1' } }, route.queueName!, 'us-east-1');
      }),
    });
    const burst = async (invoke: (event: SQSEvent) => Promise<unknown>) => {
      const latencies: number[] = [];
      const start = performance.now();
      await pool(batches, concurrency, async (batch) => {
        const response = (await invoke(eventFor(batch))) as { batchItemFailures?: unknown[] } | null;
        if (response?.batchItemFailures?.length) throw new Error(`the handler failed ${response.batchItemFailures.length} records`);
        for (const _ of batch) latencies.push(performance.now() - start);
      });
      const wallMs = performance.now() - start;
      return { p50: percentile(latencies, 50), p99: percentile(latencies, 99), wallMs, perSecond: (COUNT / wallMs) * 1000 };
    };
    let bundle: Awaited<ReturnType<typeof burst>>;
    try {
      await Promise.all(batches.slice(0, concurrency).map((batch) => handler(eventFor(batch), contextFor(host.spec)))); // warm-up, as the others had
      bundle = await burst((event) => handler(event, contextFor(host.spec)));
    } finally {
      process.stdout.write = silence;
    }
    const workers = await burst(async (event) => {
      const invocation = await host.invoke(event);
      if (!invocation.ok) throw new Error(`invocation failed: ${invocation.error?.errorMessage}`);
      return invocation.value;
    });

    // Burst, runtime: every image uploaded at t0; latency is upload to terminal outcome.
    const runtimeStart = Date.now();
    const tasks = await Promise.all(images.map((image, i) => runtime.upload(route, `burst/${String(i).padStart(4, '0')}.jpg`, image)));
    const done = await Promise.all(tasks.map((t) => t.done));
    const runtimeWall = Math.max(...done.map((t) => t.endedAt!)) - runtimeStart;
    const failed = done.filter((t) => t.status !== 'succeeded').length;
    const runtimeLatencies = done.map((t) => t.endedAt! - runtimeStart);

    // One at a time: the runtime's cost per task beside the bare core on the same image.
    const seqCore: number[] = [];
    const seqRuntime: number[] = [];
    for (let i = 0; i < SEQUENTIAL; i++) {
      const image = images[i]!;
      const t0 = performance.now();
      await transcode(image, options);
      seqCore.push(performance.now() - t0);
      const task = await (await runtime.upload(route, `seq/${i}.jpg`, image)).done;
      seqRuntime.push(task.endedAt! - task.uploadedAt);
    }
    const overheads = seqRuntime.map((ms, i) => ms - seqCore[i]!);

    const direct = { p50: percentile(directLatencies, 50), p99: percentile(directLatencies, 99), wallMs: directWall, perSecond: (COUNT / directWall) * 1000 };
    const local = { p50: percentile(runtimeLatencies, 50), p99: percentile(runtimeLatencies, 99), wallMs: runtimeWall, perSecond: (COUNT / runtimeWall) * 1000 };
    const overhead = { p50: percentile(overheads, 50), p99: percentile(overheads, 99), coreP50: percentile(seqCore, 50), runtimeP50: percentile(seqRuntime, 50) };
    const ratio = (a: number, b: number) => (a / b).toFixed(2);
    const rows: string[][] = [
      ['burst latency p50 (ms)', direct.p50.toFixed(0), bundle.p50.toFixed(0), workers.p50.toFixed(0), local.p50.toFixed(0), ratio(local.p50, direct.p50), ratio(local.p50, workers.p50)],
      ['burst latency p99 (ms)', direct.p99.toFixed(0), bundle.p99.toFixed(0), workers.p99.toFixed(0), local.p99.toFixed(0), ratio(local.p99, direct.p99), ratio(local.p99, workers.p99)],
      [
        'throughput (images/s)',
        direct.perSecond.toFixed(1),
        bundle.perSecond.toFixed(1),
        workers.perSecond.toFixed(1),
        local.perSecond.toFixed(1),
        ratio(direct.perSecond, local.perSecond),
        ratio(workers.perSecond, local.perSecond),
      ],
      ['one at a time p50 (ms)', overhead.coreP50.toFixed(1), '', '', overhead.runtimeP50.toFixed(1), ratio(overhead.runtimeP50, overhead.coreP50), ''],
    ];
    printTable(
      [`${COUNT} images, 320x240 JPEG → ${options.renditions.length} renditions`, 'direct core', 'bundle in-process', 'bundle in workers', 'local runtime', 'runtime vs core', 'runtime vs workers'],
      rows,
    );
    const notes = [
      '',
      `runtime overhead per task (one at a time, runtime − core): p50 ${overhead.p50.toFixed(1)} ms, p99 ${overhead.p99.toFixed(1)} ms ` +
        `(target < 20 ms at p50: ${overhead.p50 < 20 ? 'met' : 'MISSED'})`,
      `throughput ratio direct core ÷ runtime ${(direct.perSecond / local.perSecond).toFixed(2)}x (target ≤ 1.5x: ${direct.perSecond / local.perSecond <= 1.5 ? 'met' : 'MISSED'}); ` +
        `of which the handler's own S3 I/O ${ratio(direct.perSecond, bundle.perSecond)}x (core ÷ bundle in-process), worker isolation ` +
        `${ratio(bundle.perSecond, workers.perSecond)}x (in-process ÷ workers), queue + notifications + upload ${ratio(workers.perSecond, local.perSecond)}x (workers ÷ runtime)`,
      failed > 0 ? `WARNING: ${failed} uploads did not succeed` : `all ${COUNT} uploads succeeded; ${runtime.tasks.all().length} invocations`,
    ].join('\n');
    console.log(notes);
    const result = {
      count: COUNT,
      sequential: SEQUENTIAL,
      concurrency,
      renditions: options.renditions.map((r) => r.name),
      direct,
      bundleInProcess: bundle,
      bundleInWorkers: workers,
      runtime: { ...local, failed },
      overheadPerTaskMs: overhead,
      ratios: {
        p50: local.p50 / direct.p50,
        p99: local.p99 / direct.p99,
        throughput: direct.perSecond / local.perSecond,
        throughputBundleVsRuntime: bundle.perSecond / local.perSecond,
        throughputWorkersVsRuntime: workers.perSecond / local.perSecond,
      },
    };
    log(`wrote ${writeResults('local-runtime', result)}`);
  } finally {
    await runtime.stop();
  }
}

await main();
