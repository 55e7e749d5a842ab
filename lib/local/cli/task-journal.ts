import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { dirname } from 'node:path';
import type { LocalRuntime } from '../runtime.ts';

/**
 * Appends every completed invocation (the REPORT line's numbers plus its log lines) and every
 * task outcome to a JSON Lines file, so a task seen in the dev session can be traced afterwards.
 */
export function journalTasks(runtime: LocalRuntime, path: string): WriteStream {
  mkdirSync(dirname(path), { recursive: true });
  const out = createWriteStream(path, { flags: 'w' });
  runtime.tasks.onCompleted((record) => out.write(`${JSON.stringify({ type: 'invocation', ...record })}\n`));
  runtime.tracker.onTerminal((task) => {
    const { pipeline, done: _done, ...rest } = task;
    out.write(`${JSON.stringify({ type: 'task', pipeline: pipeline.id, ...rest })}\n`);
  });
  return out;
}
