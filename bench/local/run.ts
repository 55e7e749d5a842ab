/**
 * Local runtime benchmark (not a test), in two parts, each against baselines measured in the same run.
 *
 * 1. Execution environments: a trivial handler called in this process, in a worker thread (the
 *    runtime's previous environment, kept in bench/local/worker-environment.ts for this side by
 *    side) and in a process of its own (the runtime's environment): cold start and warm invocation
 *    latency, and the warm overhead over the in-process call.
 *
 * 2. The image pipeline: 500 small images through the local runtime, beside the same 500
 *    transcoded by the core directly in this process. "bundle in-process" runs the function's own
 *    bundle in this process (no queue, no notification, no isolation), fed the same SQS events:
 *    what the pipeline itself costs (reading the input, writing renditions and a manifest through
 *    S3). "bundle in workers" and "bundle in processes" send those events straight to execution
 *    environments of each kind: what isolation costs. The rest is the queue and event machinery.
 *
 *   npx tsx bench/local/run.ts [--count 500] [--sequential 40] [--warm 300]
 *
 * The preset is `all` with a batching window of 0 (bench/local/bench-config.json): the default
 * 1 s window is a deliberate cost/latency trade of the preset, not runtime overhead.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import Module from 'node:module';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { mkdtempSync, rmSync } from 'node:fs';
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
import { Semaphore } from '../../lib/local/lambda/concurrency.ts';
import { FunctionHost } from '../../lib/local/lambda/function-host.ts';
import type { EnvironmentFactory } from '../../lib/local/lambda/function-instance.ts';
import { lambdaEnvironment } from '../../lib/local/lambda/lambda-environment.ts';
import { startProcessEnvironment } from '../../lib/local/lambda/process-environment.ts';
import type { FunctionSpec } from '../../lib/local/lambda/function-spec.ts';
import { s3EventRecord } from '../../lib/local/notifications/s3-event-record.ts';
import { percentile, printTable, writeResults } from '../lib/report.ts';
import { LocalRuntime } from '../../lib/local/runtime.ts';
import { PROJECT_ROOT } from '../../lib/pipelines/paths.ts';
import { startWorkerEnvironment } from './worker-environment.ts';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const ROOT = PROJECT_ROOT;
const { values } = parseArgs({ options: { count: { type: 'string', default: '500' }, sequential: { type: 'string', default: '40' }, warm: { type: 'string', default: '300' } } });
const COUNT = Number(values.count);
const SEQUENTIAL = Number(values.sequential);
const WARM_CALLS = Number(values.warm);
const COLD_STARTS = 10;

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
  Object.assign(process.env, lambdaEnvironment(spec, { region: 'us-east-1', endpoint }), { PATH: process.env.PATH });
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

interface EnvironmentTimes {
  readonly coldP50: number;
  readonly coldP99: number;
  readonly warmP50: number;
  readonly warmP99: number;
}

/**
 * Cold start and warm invocation of a trivial handler in one kind of environment: each cold start
 * is a fresh host (spawn, init, first call); warm calls reuse one environment.
 */
async function environmentTimes(spec: FunctionSpec, factory: EnvironmentFactory): Promise<EnvironmentTimes> {
  const env = lambdaEnvironment(spec, { region: 'us-east-1', endpoint: 'http://127.0.0.1:9' });
  const cold: number[] = [];
  for (let i = 0; i < COLD_STARTS; i++) {
    const host = new FunctionHost(spec, env, new Semaphore(1), factory);
    const t0 = performance.now();
    const first = await host.invoke({ i });
    cold.push(performance.now() - t0);
    if (!first.ok) throw new Error(`cold invocation failed: ${first.error?.errorMessage}`);
    await host.stop();
  }
  const host = new FunctionHost(spec, env, new Semaphore(1), factory);
  try {
    for (let i = 0; i < 20; i++) await host.invoke({ i }); // warm-up
    const warm: number[] = [];
    for (let i = 0; i < WARM_CALLS; i++) {
      const t0 = performance.now();
      const result = await host.invoke({ i, payload: 'x'.repeat(512) });
      warm.push(performance.now() - t0);
      if (!result.ok) throw new Error(`warm invocation failed: ${result.error?.errorMessage}`);
    }
    return { coldP50: percentile(cold, 50), coldP99: percentile(cold, 99), warmP50: percentile(warm, 50), warmP99: percentile(warm, 99) };
  } finally {
    await host.stop();
  }
}

/** The same trivial handler called in this process: the floor both environments are measured against. */
async function inProcessTimes(): Promise<{ warmP50: number; warmP99: number }> {
  const handler = async (event: unknown) => JSON.parse(JSON.stringify(event)) as unknown;
  const warm: number[] = [];
  for (let i = 0; i < WARM_CALLS; i++) {
    const t0 = performance.now();
    await handler({ i, payload: 'x'.repeat(512) });
    warm.push(performance.now() - t0);
  }
  return { warmP50: percentile(warm, 50), warmP99: percentile(warm, 99) };
}

async function benchEnvironments(): Promise<Record<string, unknown>> {
  const dir = mkdtempSync(join(tmpdir(), 'media-kit-bench-'));
  writeFileSync(join(dir, 'index.js'), 'exports.handler = async (event, context) => ({ echo: event, id: context.awsRequestId });');
  const spec: FunctionSpec = {
    stackName: 'Bench',
    logicalId: 'Echo',
    name: 'Bench-Echo',
    arn: 'arn:aws:lambda:us-east-1:000000000000:function:Bench-Echo',
    runtime: 'nodejs24.x',
    codeDirectory: dir,
    handlerModule: 'index',
    handlerExport: 'handler',
    handler: 'index.handler',
    timeoutSeconds: 10,
    memoryMb: 512,
    architecture: process.arch === 'arm64' ? 'arm64' : 'x86_64',
    ephemeralStorageMb: 512,
    layerDirectories: [],
    environment: {},
  };
  try {
    const inProcess = await inProcessTimes();
    const workers = await environmentTimes(spec, startWorkerEnvironment);
    const processes = await environmentTimes(spec, startProcessEnvironment);
    const f = (n: number) => n.toFixed(2);
    const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}x`;
    printTable(
      ['trivial handler (ms)', 'in-process call', 'worker thread', 'process (runtime)', 'process ÷ worker'],
      [
        ['cold start p50 (spawn + init + call)', '', f(workers.coldP50), f(processes.coldP50), ratio(processes.coldP50, workers.coldP50)],
        ['cold start p99', '', f(workers.coldP99), f(processes.coldP99), ratio(processes.coldP99, workers.coldP99)],
        ['warm invocation p50', f(inProcess.warmP50), f(workers.warmP50), f(processes.warmP50), ratio(processes.warmP50, workers.warmP50)],
        ['warm invocation p99', f(inProcess.warmP99), f(workers.warmP99), f(processes.warmP99), ratio(processes.warmP99, workers.warmP99)],
        ['warm overhead p50 (− in-process)', '', f(workers.warmP50 - inProcess.warmP50), f(processes.warmP50 - inProcess.warmP50), ''],
      ],
    );
    const overhead = processes.warmP50 - inProcess.warmP50;
    console.log(`\nwarm invocation overhead of a process environment: p50 ${overhead.toFixed(2)} ms (target < 10 ms: ${overhead < 10 ? 'met' : 'MISSED'}); ` +
      `${COLD_STARTS} cold starts and ${WARM_CALLS} warm calls each\n`);
    return { inProcess, workers, processes, warmOverheadP50Ms: overhead };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const environments = await benchEnvironments();
  const assembly = await ensureAssembly({
    projectRoot: ROOT,
    preset: 'all',
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
    // The same events straight to execution environments of each kind, as many at once as the mapping drives.
    const environment = lambdaEnvironment(host.spec, { region: runtime.region, endpoint: runtime.endpoint });
    const isolated = async (factory: EnvironmentFactory) => {
      const direct = new FunctionHost(host.spec, environment, new Semaphore(concurrency), factory);
      try {
        const invoke = async (event: SQSEvent) => {
          const invocation = await direct.invoke(event);
          if (!invocation.ok) throw new Error(`invocation failed: ${invocation.error?.errorMessage}`);
          return invocation.value;
        };
        await Promise.all(batches.slice(0, concurrency).map((batch) => invoke(eventFor(batch)))); // cold starts out of the measurement
        return await burst(invoke);
      } finally {
        await direct.stop();
      }
    };
    const workers = await isolated(startWorkerEnvironment);
    const processes = await isolated(startProcessEnvironment);

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

    // The same one-at-a-time uploads through a second runtime whose environments are worker threads.
    const workerRuntime = await LocalRuntime.start({ assemblyDirectory: assembly.directory, executionEnvironment: startWorkerEnvironment, onError: (e) => log(`error: ${e.message}`) });
    const seqWorkers: number[] = [];
    try {
      const workerRoute = workerRuntime.pipeline('image')!;
      await (await workerRuntime.upload(workerRoute, 'warm/worker.jpg', images[0]!)).done;
      for (let i = 0; i < SEQUENTIAL; i++) {
        const task = await (await workerRuntime.upload(workerRoute, `seq/${i}.jpg`, images[i]!)).done;
        seqWorkers.push(task.endedAt! - task.uploadedAt);
      }
    } finally {
      await workerRuntime.stop();
    }

    const direct = { p50: percentile(directLatencies, 50), p99: percentile(directLatencies, 99), wallMs: directWall, perSecond: (COUNT / directWall) * 1000 };
    const local = { p50: percentile(runtimeLatencies, 50), p99: percentile(runtimeLatencies, 99), wallMs: runtimeWall, perSecond: (COUNT / runtimeWall) * 1000 };
    const overhead = { p50: percentile(overheads, 50), p99: percentile(overheads, 99), coreP50: percentile(seqCore, 50), runtimeP50: percentile(seqRuntime, 50) };
    const ratio = (a: number, b: number) => (a / b).toFixed(2);
    const n0 = (n: number) => n.toFixed(0);
    const n1 = (n: number) => n.toFixed(1);
    printTable(
      [`${COUNT} images, 320x240 JPEG → ${options.renditions.length} renditions`, 'direct core', 'bundle in-process', 'bundle in workers', 'bundle in processes', 'local runtime', 'processes ÷ in-process'],
      [
        ['burst latency p50 (ms)', n0(direct.p50), n0(bundle.p50), n0(workers.p50), n0(processes.p50), n0(local.p50), ratio(processes.p50, bundle.p50)],
        ['burst latency p99 (ms)', n0(direct.p99), n0(bundle.p99), n0(workers.p99), n0(processes.p99), n0(local.p99), ratio(processes.p99, bundle.p99)],
        ['throughput (images/s)', n1(direct.perSecond), n1(bundle.perSecond), n1(workers.perSecond), n1(processes.perSecond), n1(local.perSecond), ratio(bundle.perSecond, processes.perSecond)],
        ['one at a time p50 (ms)', n1(overhead.coreP50), '', '', '', n1(overhead.runtimeP50), ''],
        ['one at a time p50, runtime on worker threads (ms)', '', '', '', '', n1(percentile(seqWorkers, 50)), ''],
      ],
    );
    const isolation = bundle.perSecond / processes.perSecond;
    const notes = [
      '',
      `throughput: bundle in-process ÷ bundle in processes ${isolation.toFixed(2)}x (target ≤ 1.25x: ${isolation <= 1.25 ? 'met' : 'MISSED'}); ` +
        `in-process ÷ workers ${ratio(bundle.perSecond, workers.perSecond)}x; direct core ÷ runtime ${ratio(direct.perSecond, local.perSecond)}x, ` +
        `of which the handler's own S3 I/O ${ratio(direct.perSecond, bundle.perSecond)}x and queue + notifications + upload ${ratio(processes.perSecond, local.perSecond)}x (processes ÷ runtime)`,
      `runtime overhead per task (one at a time, runtime − core): p50 ${overhead.p50.toFixed(1)} ms, p99 ${overhead.p99.toFixed(1)} ms; ` +
        `a task one at a time takes p50 ${overhead.runtimeP50.toFixed(1)} ms in process environments, ${percentile(seqWorkers, 50).toFixed(1)} ms in worker threads`,
      failed > 0 ? `WARNING: ${failed} uploads did not succeed` : `all ${COUNT} uploads succeeded; ${runtime.tasks.all().length} invocations`,
    ].join('\n');
    console.log(notes);
    const result = {
      count: COUNT,
      sequential: SEQUENTIAL,
      concurrency,
      renditions: options.renditions.map((r) => r.name),
      environments,
      direct,
      bundleInProcess: bundle,
      bundleInWorkers: workers,
      bundleInProcesses: processes,
      runtime: { ...local, failed },
      overheadPerTaskMs: overhead,
      oneAtATimeWorkerRuntimeP50Ms: percentile(seqWorkers, 50),
      ratios: {
        throughputInProcessVsProcesses: isolation,
        throughputInProcessVsWorkers: bundle.perSecond / workers.perSecond,
        throughputDirectVsRuntime: direct.perSecond / local.perSecond,
        throughputProcessesVsRuntime: processes.perSecond / local.perSecond,
      },
    };
    log(`wrote ${writeResults('local-runtime', result)}`);
  } finally {
    await runtime.stop();
  }
}

await main();
