import { describe, expect, it } from 'vitest';
import { generatedTaskId, TASK_ID_PATTERN, taskIdTime, uploadTaskId } from '../../../functions/shared/tasks/task-id.ts';
import { allowedSources, canTransition, isTerminal, TASK_STATES, TERMINAL_STATES } from '../../../functions/shared/tasks/task-states.ts';

describe('task ids', () => {
  const upload = { bucket: 'ingest', key: 'uploads/a.jpg', sequencer: '0055AED6DCD90281E5', eventTimeMs: Date.UTC(2026, 11, 1, 7) };

  it('are the same for a redelivered event and differ for a new upload of the key', () => {
    expect(uploadTaskId(upload)).toBe(uploadTaskId({ ...upload }));
    expect(uploadTaskId({ ...upload, sequencer: '0055AED6DCD90281E6' })).not.toBe(uploadTaskId(upload));
    expect(uploadTaskId({ ...upload, key: 'uploads/b.jpg' })).not.toBe(uploadTaskId(upload));
    expect(uploadTaskId(upload)).toMatch(TASK_ID_PATTERN);
  });

  it('sort by creation time and give it back', () => {
    const ids = [3, 1, 2].map((n) => generatedTaskId(Date.UTC(2026, 0, n)));
    expect([...ids].sort().map(taskIdTime)).toEqual([1, 2, 3].map((n) => Date.UTC(2026, 0, n)));
    expect(taskIdTime(uploadTaskId(upload))).toBe(upload.eventTimeMs);
    expect(() => taskIdTime('not-an-id')).toThrow(/Not a task id/);
    expect(() => generatedTaskId(-1)).toThrow(RangeError);
  });

  it('generated ids do not collide', () => {
    const now = Date.now();
    const ids = new Set(Array.from({ length: 1000 }, () => generatedTaskId(now)));
    expect(ids.size).toBe(1000);
  });
});

describe('task states', () => {
  it('never move a terminal task through a delivery', () => {
    for (const from of TERMINAL_STATES) {
      for (const to of TASK_STATES) expect(canTransition(from, to), `${from} → ${to}`).toBe(false);
    }
  });

  it('follow DESIGN.md', () => {
    expect(canTransition(undefined, 'running')).toBe(true);
    expect(canTransition('queued', 'running')).toBe(true);
    expect(canTransition('running', 'retrying')).toBe(true);
    expect(canTransition('retrying', 'running')).toBe(true);
    expect(canTransition('queued', 'stopped')).toBe(true);
    expect(canTransition('retrying', 'stopped')).toBe(true);
    expect(canTransition('running', 'stopped')).toBe(false);
    expect(canTransition('running', 'superseded')).toBe(true);
    expect(canTransition('retrying', 'dead-lettered')).toBe(true);
    expect(isTerminal('dead-lettered')).toBe(true);
    expect(isTerminal('retrying')).toBe(false);
  });

  it('name the condition of each write', () => {
    expect(allowedSources('succeeded')).toEqual(['running']);
    expect(allowedSources('running').sort()).toEqual(['queued', 'retrying', 'running']);
    expect(allowedSources('dead-lettered').sort()).toEqual(['queued', 'retrying', 'running']);
  });
});
