import type { LocalRuntime } from '../runtime.ts';
import type { Task } from '../tasks/outcome-tracker.ts';
import { bootRuntime } from './boot.ts';
import { bold, green, progress, red, taskLine } from './format.ts';
import { readInputs, routeFor } from './inputs.ts';
import { LocalTaskTable, TASK_TABLE_OUTPUT } from '../tasks/task-table-reader.ts';
import { describeTask, describeUnstarted, summarize, withTaskRecord, type RunReport } from './report.ts';

export interface RunOptions {
  readonly preset: string;
  readonly files: readonly string[];
  readonly pipeline?: string;
  readonly out?: string;
  readonly json: boolean;
  readonly timeoutSeconds: number;
  readonly assembly?: string;
  readonly config?: string;
  readonly timeScale: number;
}

/**
 * `media-kit run`: boot, upload each file to its pipeline, wait until every upload is terminal,
 * report, shut down. Exit 0 all succeeded, 2 some failed, 1 timeout (runtime errors throw).
 */
export async function runCommand(options: RunOptions): Promise<number> {
  const inputs = readInputs(options.files, options.pipeline, { ownPipelines: options.assembly !== undefined });
  const started = performance.now();
  const runtime = await bootRuntime(options);
  try {
    const routes = inputs.map((input) => routeFor(runtime.pipelines, input.pipeline, options.preset));
    // The deadline covers the uploads too: an upload whose event never became a task must not hang `run`.
    const deadline = Date.now() + options.timeoutSeconds * 1000;
    const uploadsStarted = performance.now();
    if (!options.json) progress(`uploading ${inputs.length} file${inputs.length === 1 ? '' : 's'}…`);
    const tasks: (Task | undefined)[] = inputs.map(() => undefined);
    const finished = Promise.all(
      inputs.map(async (input, i) => {
        const task = await runtime.upload(routes[i]!, input.name, input.body, input.contentType);
        tasks[i] = task;
        if (!options.json) void task.done.then((t) => console.log(taskLine(t)));
        await task.done;
      }),
    );
    const timedOut = !(await settleWithin(finished, deadline - Date.now()));
    const table = openTaskTable(runtime);
    const report: RunReport = {
      preset: options.preset,
      items: await Promise.all(
        inputs.map(async (input, i) => {
          const task = tasks[i];
          if (!task) return describeUnstarted(input.input, routes[i]!, input.name, uploadsStarted);
          const item = await describeTask(runtime.s3, input.input, task, options.out);
          // The table records the same end a moment after the outcome the tracker saw: wait briefly for it.
          return withTaskRecord(item, await table?.settled(task.bucket, task.key, task.uploadedAt, Math.min(deadline, Date.now() + 5_000)));
        }),
      ),
      summary: { succeeded: 0, failed: 0, wallMs: 0 },
    };
    table?.destroy();
    Object.assign(report.summary, summarize(report.items, performance.now() - started));
    const { failed, pending = 0 } = report.summary;
    if (options.json) {
      process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    } else {
      printSummary(runtime, report, options.out);
    }
    if (timedOut) {
      progress(red(`${pending} upload${pending === 1 ? '' : 's'} not terminal after ${options.timeoutSeconds} s`));
      return 1;
    }
    return failed > 0 ? 2 : 0;
  } finally {
    await runtime.stop();
  }
}

/** The assembly's task table in the running runtime, when it has one. */
function openTaskTable(runtime: LocalRuntime): LocalTaskTable | undefined {
  const tableName = runtime.stackOutput(TASK_TABLE_OUTPUT);
  return tableName && runtime.dynamoDbEndpoint ? new LocalTaskTable(runtime.dynamoDbEndpoint, runtime.region, tableName) : undefined;
}

/** True when `work` settles within `ms`; a rejection (a failed upload) is a runtime error, thrown. */
function settleWithin(work: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    work.then(() => true),
    new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

function printSummary(runtime: LocalRuntime, report: RunReport, out: string | undefined): void {
  for (const item of report.items) {
    if (item.status !== 'succeeded') continue;
    for (const output of item.outputs) {
      console.log(`    ${output.key}  ${output.contentType}  ${output.bytes} B${output.path ? `  → ${output.path}` : ''}`);
    }
  }
  const { succeeded, failed, wallMs } = report.summary;
  const invocations = runtime.tasks.all().length;
  console.log(
    bold(`${green(`${succeeded} succeeded`)}, ${failed > 0 ? red(`${failed} failed`) : '0 failed'} in ${(wallMs / 1000).toFixed(1)} s`) +
      ` (${invocations} invocation${invocations === 1 ? '' : 's'})${out ? `; outputs in ${out}` : ''}`,
  );
}
