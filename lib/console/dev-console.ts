import { localCredentials } from '../local/emulators/loopback.ts';
import type { LocalRuntime } from '../local/runtime.ts';
import { consolePipeline } from './console-pipelines.ts';
import { ConsoleError } from './http-io.ts';
import { startConsole, type RunningConsole } from './server.ts';

/**
 * The console of a running dev runtime: its S3 endpoint, its pipelines and its upload path. The
 * task API's URL is read on each use, since the runtime may publish it after the console starts.
 */
export function startDevConsole(runtime: LocalRuntime, taskApiUrl: () => string | undefined, port = 0): Promise<RunningConsole> {
  return startConsole({
    taskApi: () => {
      const url = taskApiUrl();
      if (!url) throw new ConsoleError(503, 'CONSOLE_NO_TASK_API', 'The dev runtime publishes no task API (its config may turn tasks off): the console has no tasks to list');
      return { url, region: runtime.region, credentials: localCredentials() };
    },
    s3: runtime.s3,
    pipelines: runtime.pipelines.map(consolePipeline),
    upload: async (file) => {
      const route = runtime.pipeline(file.pipeline);
      if (!route) throw new ConsoleError(422, 'CONSOLE_UNROUTABLE_UPLOAD', `This runtime has no ${file.pipeline} pipeline`);
      const task = await runtime.upload(route, file.name, file.bytes, file.contentType);
      return { bucket: task.bucket, key: task.key };
    },
    // Every attempt names its invocation's request id; the runtime keeps each invocation's lines.
    logs: (requestId) => runtime.tasks.invocation(requestId)?.logs,
    port,
    onError: (error) => process.stderr.write(`console: ${error.message}\n`),
  });
}
