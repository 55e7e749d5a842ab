/**
 * What the task table costs (not a test): the same uploads through the local runtime with the task
 * table on (the default) and off (`tasks.enabled: false`), in one run; both with a batching window
 * of 0, so latency is the pipeline's, not the preset's 1 s gathering window. A burst of N small images
 * for throughput and latency, then one upload at a time for the latency each task adds.
 *
 *   npx tsx bench/tasks/run.ts [--count 500] [--sequential 40]
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { TASK_WRITES_FIRST_ATTEMPT } from '../../functions/shared/tasks/task-tracking.ts';
import { ensureAssembly } from '../../lib/local/assembly/ensure-assembly.ts';
import { LocalRuntime } from '../../lib/local/runtime.ts';
import { LocalTaskTable, TASK_TABLE_OUTPUT } from '../../lib/local/tasks/task-table-reader.ts';
import { PROJECT_ROOT } from '../../lib/pipelines/paths.ts';
import { percentile, printTable, writeResults } from '../lib/report.ts';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const { values } = parseArgs({ options: { count: { type: 'string', default: '500' }, sequential: { type: 'string', default: '40' } } });
const COUNT = Number(values.count);
const SEQUENTIAL = Number(values.sequential);
const log = (message: string) => process.stderr.write(`bench ${message}\n`);

interface Measured {
  readonly perSecond: number;
  readonly burstP50: number;
  readonly burstP99: number;
  readonly oneP50: number;
  readonly oneP99: number;
  readonly failed: number;
  readonly recorded: number;
}

async function images(): Promise<Buffer[]> {
  return Promise.all(
    Array.from({ length: 20 }, (_, i) =>
      sharp({ create: { width: 320, height: 240, channels: 3, background: '#000', noise: { type: 'gaussian', mean: 110 + i, sigma: 40 } } }).jpeg({ quality: 85 }).toBuffer(),
    ),
  );
}

async function measure(label: string, config: string, inputs: readonly Buffer[]): Promise<Measured> {
  const { directory } = await ensureAssembly({ projectRoot: PROJECT_ROOT, preset: 'all', context: { config } });
  const runtime = await LocalRuntime.start({ assemblyDirectory: directory });
  try {
    const route = runtime.pipeline('image')!;
    // Warm every environment the burst will use.
    await Promise.all((await Promise.all(inputs.slice(0, 10).map((image, i) => runtime.upload(route, `warm/${i}.jpg`, image)))).map((t) => t.done));
    log(`${label}: burst of ${COUNT}`);
    const started = performance.now();
    const tasks = await Promise.all(Array.from({ length: COUNT }, (_, i) => runtime.upload(route, `burst/${i}.jpg`, inputs[i % inputs.length]!)));
    const done = await Promise.all(tasks.map((t) => t.done));
    const wallS = (performance.now() - started) / 1000;
    const burst = done.map((t) => t.endedAt! - t.uploadedAt);
    log(`${label}: ${SEQUENTIAL} one at a time`);
    const one: number[] = [];
    for (let i = 0; i < SEQUENTIAL; i++) {
      const task = await (await runtime.upload(route, `one/${i}.jpg`, inputs[i % inputs.length]!)).done;
      one.push(task.endedAt! - task.uploadedAt);
    }
    const tableName = runtime.stackOutput(TASK_TABLE_OUTPUT);
    let recorded = 0;
    if (tableName && runtime.dynamoDbEndpoint) {
      const table = new LocalTaskTable(runtime.dynamoDbEndpoint, runtime.region, tableName);
      recorded = (await table.ledger.list({ pipeline: 'image', state: 'succeeded', limit: 200 })).tasks.length;
      table.destroy();
    }
    return {
      perSecond: COUNT / wallS,
      burstP50: percentile(burst, 50),
      burstP99: percentile(burst, 99),
      oneP50: percentile(one, 50),
      oneP99: percentile(one, 99),
      failed: done.filter((t) => t.status !== 'succeeded').length,
      recorded,
    };
  } finally {
    await runtime.stop();
  }
}

const inputs = await images();
const on = await measure('task table on', join(import.meta.dirname, 'tasks-on.json'), inputs);
const off = await measure('task table off', join(import.meta.dirname, 'tasks-off.json'), inputs);
const ms = (n: number) => n.toFixed(1);
printTable(
  ['', 'task table off', 'task table on', 'on ÷ off', 'added'],
  [
    ['throughput (images/s)', off.perSecond.toFixed(1), on.perSecond.toFixed(1), (off.perSecond / on.perSecond).toFixed(2), `${(100 * (1 - on.perSecond / off.perSecond)).toFixed(1)} % slower`],
    ['burst latency p50 (ms)', ms(off.burstP50), ms(on.burstP50), (on.burstP50 / off.burstP50).toFixed(2), `${ms(on.burstP50 - off.burstP50)} ms`],
    ['burst latency p99 (ms)', ms(off.burstP99), ms(on.burstP99), (on.burstP99 / off.burstP99).toFixed(2), `${ms(on.burstP99 - off.burstP99)} ms`],
    ['one at a time p50 (ms)', ms(off.oneP50), ms(on.oneP50), (on.oneP50 / off.oneP50).toFixed(2), `${ms(on.oneP50 - off.oneP50)} ms`],
    ['one at a time p99 (ms)', ms(off.oneP99), ms(on.oneP99), (on.oneP99 / off.oneP99).toFixed(2), `${ms(on.oneP99 - off.oneP99)} ms`],
  ],
);
console.log(
  `DynamoDB per single-attempt task: 2 write requests (start, end), no read, ${TASK_WRITES_FIRST_ATTEMPT} write units with the four key-only indexes. ` +
    `Failed uploads: on ${on.failed}, off ${off.failed}; tasks recorded (first page): ${on.recorded}.`,
);
console.log(`results: ${writeResults('tasks', { count: COUNT, sequential: SEQUENTIAL, on, off })}`);
