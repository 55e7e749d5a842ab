import { GetObjectCommand } from '@aws-sdk/client-s3';
import type { LocalRuntime } from '../runtime.ts';
import { join } from 'node:path';
import { bootRuntime, STATE_DIR } from './boot.ts';
import { imageDemoInputs, inferenceDemoInputs, settlementDemoInputs, videoDemoInputs, type DemoInput } from './demo-inputs.ts';
import { TASK_API_URL_OUTPUT } from '../tasks/task-table-reader.ts';
import { clearDevState, writeDevState, type DevState } from './dev-state.ts';
import { startDevConsole } from '../../console/dev-console.ts';
import type { RunningConsole } from '../../console/server.ts';
import { bold, dim, invocationLine, progress, taskLine } from './format.ts';
import { journalTasks } from './task-journal.ts';

export interface DevOptions {
  readonly preset: string;
  readonly port: number;
  readonly assembly?: string;
  readonly config?: string;
  readonly timeScale: number;
  /** Skip the demo uploads. */
  readonly noDemo: boolean;
}

/** Demo inputs per pipeline id; pipelines without one start idle. */
const DEMOS: Record<string, () => Promise<DemoInput[]>> = { image: imageDemoInputs, settlement: settlementDemoInputs, video: videoDemoInputs, inference: inferenceDemoInputs };

/** `media-kit dev` (`npm start`): boot, show the demo inputs' outcomes, serve until Ctrl-C. */
export async function devCommand(options: DevOptions): Promise<number> {
  const runtime = await bootRuntime(options);
  const journalPath = join(STATE_DIR, 'dev-tasks.jsonl');
  const journal = journalTasks(runtime, journalPath);
  let devConsole: RunningConsole | undefined;
  try {
    runtime.tracker.onTerminal((task) => console.log(taskLine(task)));
    // Retries are part of the story a task tells: show each failed invocation as it happens.
    runtime.tasks.onCompleted((record) => {
      if (record.outcome === 'succeeded') return;
      console.log(invocationLine(record));
    });
    const taskApiUrl = runtime.stackOutput(TASK_API_URL_OUTPUT);
    const state: DevState = {
      pid: process.pid,
      preset: options.preset,
      endpoint: runtime.endpoint,
      region: runtime.region,
      ...(runtime.dynamoDbEndpoint ? { dynamoDbEndpoint: runtime.dynamoDbEndpoint } : {}),
      pipelines: runtime.pipelines,
      ...(taskApiUrl ? { taskApiUrl } : {}),
      startedAt: new Date().toISOString(),
    };
    // Console (lib/console): over the task API this state names; `media-kit console` opens it.
    devConsole = await startDevConsole(runtime, () => state.taskApiUrl);
    writeDevState({ ...state, consoleUrl: devConsole.url });
    printEndpoints(runtime);
    console.log(`${bold('console')}   ${devConsole.url}  ${dim('(media-kit console opens it)')}`);
    console.log(dim(`  every invocation (timings, memory, logs) and outcome: ${journalPath}`));

    let signals = 0;
    const stopped = new Promise<void>((resolve) => {
      const stop = () => {
        // A second Ctrl-C means now: do not wait for a slow shutdown.
        if (++signals > 1) process.exit(130);
        resolve();
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    });

    const demos = options.noDemo ? Promise.resolve() : uploadDemos(runtime);
    // Ctrl-C may win the race below while demo uploads are in flight; stopping the runtime then
    // fails them, which is expected and must never surface as an unhandled rejection. A failure
    // before Ctrl-C still rejects the race and ends `dev` with its error.
    demos.catch(() => undefined);
    await Promise.race([demos.then(() => progress(`serving on ${runtime.endpoint}; upload with \`npx media-kit upload FILE\`; Ctrl-C stops`)), stopped]);
    await stopped;
    progress('stopping…');
  } finally {
    clearDevState(process.pid);
    await devConsole?.stop();
    await runtime.stop();
    await new Promise<void>((resolve) => journal.end(resolve));
  }
  return 0;
}

function printEndpoints(runtime: LocalRuntime): void {
  console.log(`${bold('endpoint')}  ${runtime.endpoint}  ${dim(`(S3 + SQS, region ${runtime.region}, any credentials)`)}`);
  if (runtime.dynamoDbEndpoint) console.log(`${bold('dynamodb')}  ${runtime.dynamoDbEndpoint}`);
  for (const p of runtime.pipelines) {
    console.log(`${bold(p.id.padEnd(8))}  s3://${p.ingestBucket}/${p.ingestPrefix}  →  s3://${p.resultsBucket}/${p.outputPrefix}`);
  }
  for (const endpoint of runtime.httpEndpoints) {
    console.log(`${bold(endpoint.kind === 'function-url' ? 'url' : 'http api')}  ${endpoint.url}  ${dim(`(${endpoint.logicalId})`)}`);
  }
  const first = runtime.pipelines[0];
  if (first) {
    console.log(dim(`  e.g. aws s3 cp photo.jpg s3://${first.ingestBucket}/${first.ingestPrefix} --endpoint-url ${runtime.endpoint}`));
    console.log(dim(`       SDK: new S3Client({ endpoint: '${runtime.endpoint}', forcePathStyle: true, region: '${runtime.region}' })`));
  }
}

async function uploadDemos(runtime: LocalRuntime): Promise<void> {
  for (const route of runtime.pipelines) {
    const make = DEMOS[route.id];
    if (!make) continue;
    const inputs = await make();
    progress(`demo: uploading ${inputs.length} ${route.id} inputs (${inputs.map((i) => i.what).join('; ')})`);
    // In order: a later input (a job manifest) may name an earlier one.
    const tasks = [];
    for (const input of inputs) tasks.push(await runtime.upload(route, input.name, input.body, input.contentType));
    const done = await Promise.all(tasks.map((t) => t.done));
    for (const [i, task] of done.entries()) {
      const describe = inputs[i]!.describe;
      if (!describe || task.status !== 'succeeded') continue;
      const object = await runtime.s3.send(new GetObjectCommand({ Bucket: task.pipeline.resultsBucket, Key: task.resultKey }));
      progress(`demo: ${task.key} → ${describe(JSON.parse(await object.Body!.transformToString()))}`);
    }
  }
}
