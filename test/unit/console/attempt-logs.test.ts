import { describe, expect, it } from 'vitest';
import { attemptLogs, isLineOfTask, type CapturedLine } from '../../../lib/console/attempt-logs.ts';
import type { TaskAttempt } from '../../../functions/shared/tasks/task-record.ts';
import type { Invocation } from '../../../lib/local/lambda/function-host.ts';
import { TaskLog } from '../../../lib/local/tasks/task-log.ts';

const out = (text: string): CapturedLine => ({ stream: 'stdout', text });
const json = (fields: Record<string, unknown>) => out(JSON.stringify({ level: 'INFO', ...fields }));
const task = { taskId: '01TASKA', input: { bucket: 'in', key: 'uploads/a.jpg' } };
const attempt = (n: number, requestId: string): TaskAttempt => ({ attempt: n, requestId, startedAt: n, memoryMb: 1024 });

describe('attempt logs', () => {
  it('keeps the lines of this task and of the invocation as a whole, drops those naming another task or object', () => {
    expect(isLineOfTask(json({ message: 'Task succeeded', taskId: '01TASKA' }), task)).toBe(true);
    expect(isLineOfTask(json({ message: 'Task succeeded', taskId: '01TASKB', key: 'uploads/a.jpg' }), task)).toBe(false);
    expect(isLineOfTask(json({ message: 'Task rejected its input', key: 'uploads/a.jpg' }), task)).toBe(true);
    expect(isLineOfTask(json({ message: 'Task rejected its input', key: 'uploads/b.jpg' }), task)).toBe(false);
    expect(isLineOfTask(json({ message: 'cold start' }), task)).toBe(true);
    expect(isLineOfTask(out('    at processOne (queue-worker.ts:170)'), task)).toBe(true);
    expect(isLineOfTask(out('{ not json'), task)).toBe(true);
    expect(isLineOfTask(out('{"level":"INFO","taskId":42}'), task)).toBe(true);
  });

  it('reads each attempt’s invocation by its request id, in attempt order, and says when one is not kept', () => {
    const invocations = new Map<string, CapturedLine[]>([
      ['req-1', [json({ message: 'Task failed', key: 'uploads/a.jpg' }), json({ message: 'Task succeeded', key: 'uploads/other.jpg' }), { stream: 'stderr', text: 'warning' }]],
      ['req-2', [json({ message: 'Task rejected its input', taskId: '01TASKA', code: 'IMAGE_CORRUPT' })]],
    ]);
    const logs = attemptLogs({ ...task, attempts: [attempt(2, 'req-2'), attempt(1, 'req-1'), attempt(3, 'req-gone')] }, (id) => invocations.get(id));
    expect(logs.map((l) => [l.attempt, l.requestId, l.kept, l.lines.map((line) => line.text.includes('Task') ? JSON.parse(line.text).message : line.text), l.otherTasksLines])).toEqual([
      [1, 'req-1', true, ['Task failed', 'warning'], 1],
      [2, 'req-2', true, ['Task rejected its input'], 0],
      [3, 'req-gone', false, [], 0],
    ]);
  });

  it('reads the lines the local runtime captured for a request id, the newest record of it', () => {
    const log = new TaskLog();
    const run = (requestId: string, text: string) => {
      const record = log.started({ function: 'Fn', requestId, source: 'Work', inputs: [{ bucket: 'in', key: 'uploads/a.jpg', attempt: 1 }], batchSize: 1, memoryMb: 128 });
      log.finish(record, { requestId, ok: true, timedOut: false, coldStart: false, startedAt: 0, endedAt: 1, durationMs: 1, logs: [out(text)], functionName: 'Fn', memoryMb: 128, billedDurationMs: 1 } satisfies Invocation);
    };
    run('req-1', 'first');
    run('req-2', 'second');
    expect(log.invocation('req-1')?.logs).toEqual([out('first')]);
    expect(log.invocation('req-3')).toBeUndefined();
    const logs = attemptLogs({ ...task, attempts: [attempt(1, 'req-2')] }, (id) => log.invocation(id)?.logs);
    expect(logs).toEqual([{ attempt: 1, requestId: 'req-2', kept: true, lines: [out('second')], otherTasksLines: 0 }]);
  });
});
