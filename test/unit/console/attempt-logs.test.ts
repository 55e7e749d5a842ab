import { describe, expect, it } from 'vitest';
import { attemptLogs, isLineOfTask, type CapturedLine } from '../../../lib/console/attempt-logs.ts';
import type { TaskAttempt } from '../../../functions/shared/tasks/task-record.ts';

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
});
