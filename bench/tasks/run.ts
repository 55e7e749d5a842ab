/**
 * What the task table costs (not a test): the same uploads through the local runtime with the task
 * table on (the default) and off (`tasks.enabled: false`), in one run; both with a batching window
 * of 0, so latency is the pipeline's, not the preset's 1 s gathering window. A burst of N small images
 * for throughput and latency, then one upload at a time for the latency each task adds.
 * With `--rounds N` both run N times, on first in odd rounds and off first in even ones (a
 * loaded machine drifts, and the first runtime of a process starts colder); each figure is the
 * median over the rounds.
 *
 *   npx tsx bench/tasks/run.ts [--count 500] [--sequential 40] [--rounds 1]
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { TASK_WRITES_FIRST_ATTEMPT } from '../../functions/shared/tasks/task-tracking.ts';
import { ensureAssembly } from '../../lib/local/assembly/ensure-assembly.ts';
import { LocalRuntime } from '../../lib/local/runtime.ts';
import { LocalTaskTable, TASK_TABLE_OUTPUT } from '../../lib/local/tasks/task-table-reader.ts';
import { PROJECT_ROOT } from '../../lib/pipelines/paths.ts';
import { median, percentile, printTable, writeResults } from '../lib/report.ts';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const { values } = parseArgs({ options: { count: { type: 'string', default: '500' }, sequential: { type: 'string', default: '40' }, rounds: { type: 'string', default: '1' } } });
const COUNT = Number(values.count);
const SEQUENTIAL = Number(values.sequential);
const ROUNDS = Number(values.rounds);
for (const [name, value] of Object.entries({ count: COUNT, sequential: SEQUENTIAL, rounds: ROUNDS })) {
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} must be a whole number of at least 1, not '${values[name as keyof typeof values]}'`);
}
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
const rounds: { on: Measured; off: Measured }[] = [];
for (let round = 1; round <= ROUNDS; round++) {
  const runOn = () => measure(`round ${round}, task table on`, join(import.meta.dirname, 'tasks-on.json'), inputs);
  const runOff = () => measure(`round ${round}, task table off`, join(import.meta.dirname, 'tasks-off.json'), inputs);
  if (round % 2 === 1) {
    const on = await runOn();
    rounds.push({ on, off: await runOff() });
  } else {
    const off = await runOff();
    rounds.push({ on: await runOn(), off });
  }
}
/** Each figure's median over the rounds. */
const medianOf = (side: 'on' | 'off'): Measured => {
  const of = (field: keyof Measured) => median(rounds.map((round) => round[side][field]));
  return { perSecond: of('perSecond'), burstP50: of('burstP50'), burstP99: of('burstP99'), oneP50: of('oneP50'), oneP99: of('oneP99'), failed: of('failed'), recorded: of('recorded') };
};
const on = medianOf('on');
const off = medianOf('off');
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
if (ROUNDS > 1) console.log(`Medians of ${ROUNDS} rounds; throughput on ÷ off by round: ${rounds.map((r) => (r.off.perSecond / r.on.perSecond).toFixed(2)).join(', ')}.`);
console.log(`results: ${writeResults('tasks', { count: COUNT, sequential: SEQUENTIAL, rounds, on, off })}`);
