import { describe, expect, it } from 'vitest';
import type { TaskRecord } from '../../../functions/shared/tasks/task-record.ts';
import {
  axisTicks,
  classBars,
  costBars,
  countByState,
  filterTasks,
  formatBytes,
  formatDuration,
  formatUsd,
  gbSecondsSeries,
  mediaPathUrl,
  mediaUrl,
  mergeTasks,
  polylinePoints,
  rejectionsByAction,
  segmentAxis,
  taskDurationMs,
  timelineLayout,
  videoFrames,
  videoSummary,
} from '../../../lib/console/assets/view.js';

function task(overrides: Partial<TaskRecord> & Pick<TaskRecord, 'taskId'>): TaskRecord {
  return {
    pipeline: 'image',
    state: 'succeeded',
    origin: 'upload',
    input: { bucket: 'in', key: `uploads/${overrides.taskId}.jpg` },
    createdAt: 1000,
    updatedAt: 2000,
    attempts: [],
    attemptCount: 0,
    gbSeconds: 0,
    costUsd: 0,
    ...overrides,
  };
}

describe('formatting', () => {
  it('formats durations, bytes and dollars at their scale', () => {
    expect([formatDuration(950), formatDuration(1234), formatDuration(12_340), formatDuration(125_000), formatDuration(3_780_000), formatDuration(undefined)]).toEqual([
      '950 ms',
      '1.23 s',
      '12.3 s',
      '2 min 5 s',
      '1 h 3 min',
      '—',
    ]);
    expect([formatBytes(999), formatBytes(1536), formatBytes(15 * 1024), formatBytes(2.5 * 1024 * 1024)]).toEqual(['999 B', '1.5 KB', '15 KB', '2.5 MB']);
    expect([formatUsd(0), formatUsd(1.239), formatUsd(0.0000021), formatUsd(0.042)]).toEqual(['$0', '$1.24', '$0.0000021', '$0.042']);
  });

  it('measures an open task to now and a finished one to its end', () => {
    expect(taskDurationMs(task({ taskId: 'A', createdAt: 1000, finishedAt: 1800 }))).toBe(800);
    expect(taskDurationMs(task({ taskId: 'B', state: 'running', createdAt: 1000 }), 4000)).toBe(3000);
  });
});

describe('the list', () => {
  const tasks = [
    task({ taskId: '01A', createdAt: 1, state: 'failed', input: { bucket: 'in', key: 'uploads/Broken.JPG' } }),
    task({ taskId: '01C', createdAt: 3, pipeline: 'video', state: 'running' }),
    task({ taskId: '01B', createdAt: 3, state: 'succeeded' }),
  ];

  it('sorts newest first (ids break ties) and filters by pipeline, state and a case-insensitive search', () => {
    expect(filterTasks(tasks).map((t) => t.taskId)).toEqual(['01C', '01B', '01A']);
    expect(filterTasks(tasks, { pipeline: 'image' }).map((t) => t.taskId)).toEqual(['01B', '01A']);
    expect(filterTasks(tasks, { state: 'failed' }).map((t) => t.taskId)).toEqual(['01A']);
    expect(filterTasks(tasks, { search: ' broken.jpg ' }).map((t) => t.taskId)).toEqual(['01A']);
    expect(filterTasks(tasks, { search: '01c' }).map((t) => t.taskId)).toEqual(['01C']);
    expect(filterTasks(tasks, { pipeline: 'image', state: 'running' })).toEqual([]);
  });

  it('counts every state, zero included', () => {
    const counts = countByState(tasks);
    expect(counts).toMatchObject({ queued: 0, running: 1, succeeded: 1, failed: 1, 'dead-lettered': 0 });
    expect(Object.keys(counts)).toHaveLength(8);
  });

  it('merges updates by id, keeping the newer version', () => {
    const merged = mergeTasks(tasks, [task({ taskId: '01A', updatedAt: 5000, state: 'queued' }), task({ taskId: '01B', updatedAt: 1 }), task({ taskId: '01D' })]);
    expect(Object.fromEntries(merged.map((t) => [t.taskId, t.state]))).toEqual({ '01A': 'queued', '01B': 'succeeded', '01C': 'running', '01D': 'succeeded' });
  });
});

describe('the attempt timeline', () => {
  it('lays out the queue wait, each attempt, the retry wait and the terminal mark to scale', () => {
    const layout = timelineLayout(
      task({
        taskId: 'T',
        state: 'succeeded',
        createdAt: 0,
        finishedAt: 1000,
        attempts: [
          { attempt: 1, requestId: 'r1', startedAt: 100, endedAt: 300, memoryMb: 1024, outcome: 'retrying', error: { code: 'TIMEOUT', message: 't' } },
          { attempt: 2, requestId: 'r2', startedAt: 600, endedAt: 1000, memoryMb: 1024, outcome: 'succeeded' },
        ],
      }),
    );
    expect(layout.spanMs).toBe(1000);
    expect(layout.bars.map((b) => [b.kind, b.left, b.width, b.outcome ?? ''])).toEqual([
      ['queued', 0, 10, ''],
      ['attempt', 10, 20, 'retrying'],
      ['retry-wait', 30, 30, ''],
      ['attempt', 60, 40, 'succeeded'],
    ]);
    expect(layout.bars[1]!.error?.code).toBe('TIMEOUT');
    expect(layout.terminal).toEqual({ state: 'succeeded', at: 1000, left: 100 });
  });

  it('draws a running attempt to now and a queued task as one wait', () => {
    const running = timelineLayout(task({ taskId: 'R', state: 'running', createdAt: 0, attempts: [{ attempt: 1, requestId: 'r', startedAt: 500, memoryMb: 128 }] }), 2000);
    expect(running.bars.map((b) => [b.kind, b.left, b.width, b.outcome])).toEqual([
      ['queued', 0, 25, undefined],
      ['attempt', 25, 75, 'running'],
    ]);
    expect(running.terminal).toBeUndefined();
    const queued = timelineLayout(task({ taskId: 'Q', state: 'queued', createdAt: 0 }), 400);
    expect(queued.bars.map((b) => [b.kind, b.left, b.width])).toEqual([['queued', 0, 100]]);
  });

  it('picks round ticks', () => {
    expect(axisTicks(0, 1000).map((t) => t.value)).toEqual([0, 200, 400, 600, 800, 1000]);
    expect(axisTicks(0, 7300).map((t) => t.value)).toEqual([0, 2000, 4000, 6000]);
    expect(axisTicks(0, 0)).toEqual([{ value: 0, left: 0 }]);
  });
});

describe('pipeline views', () => {
  it('puts segments on the video time axis in lanes that never overlap', () => {
    const axis = segmentAxis(
      [
        { label: 'Porn', startMs: 1000, endMs: 4000, severity: 'block' },
        { label: 'Sexy', startMs: 2000, endMs: 3000, severity: 'review' },
        { label: 'Hentai', start: 5, end: 6 },
        { label: 'bad', startMs: 9, endMs: 1 },
      ],
      10_000,
    );
    expect(axis.segments.map((s) => [s.label, s.lane, s.left, s.width])).toEqual([
      ['Porn', 0, 10, 30],
      ['Sexy', 1, 20, 10],
      ['Hentai', 0, 50, 10],
    ]);
    expect(axis.lanes).toBe(2);
  });

  it('reads frames, verdict, segments and the HLS master from the report shapes in flight', () => {
    expect(videoFrames({ frames: [{ timestamp: 2.5, key: 'f2' }, { timestampMs: 500, key: 'f1', labels: [{ label: 'Neutral', score: 0.9 }, { label: 'Porn', score: 0.05 }] }, { key: 'no-time' }] })).toEqual([
      { timestampMs: 500, key: 'f1', label: 'Neutral', score: 0.9 },
      { timestampMs: 2500, key: 'f2' },
    ]);
    expect(videoSummary({ moderation: { verdict: 'review', segments: [] }, source: { durationSeconds: 12 }, hls: { masterKey: 'video/a.mp4/hls/master.m3u8' } })).toEqual({
      verdict: 'review',
      segments: [],
      durationMs: 12_000,
      hlsMasterKey: 'video/a.mp4/hls/master.m3u8',
    });
    expect(videoSummary({ unrelated: true })).toEqual({});
  });

  it('shows top-K classes as bars, best first', () => {
    expect(classBars([{ label: 'cat', probability: 0.2 }, { className: 'dog', probability: 0.7 }, { label: 'car', score: 0.1 }], 2)).toEqual([
      { label: 'dog', score: 0.7, width: 70 },
      { label: 'cat', score: 0.2, width: 20 },
    ]);
  });

  it('lists settlement rejections against the actions they point to', () => {
    const actions = [{ t: 0, kind: 'attack' }, { t: 50, kind: 'skill' }];
    const paired = rejectionsByAction(actions, [
      { code: 'BATTLE_CHEAT_COOLDOWN', path: 'actions[1].t', message: 'too soon' },
      { code: 'BATTLE_CHEAT_RESULT', path: 'claimed.result', message: 'flipped' },
      { code: 'X', actionIndex: 0 },
    ]);
    expect(paired.map((p) => [p.rejection.code, p.ref, p.action])).toEqual([
      ['BATTLE_CHEAT_COOLDOWN', 1, actions[1]],
      ['BATTLE_CHEAT_RESULT', undefined, undefined],
      ['X', 0, actions[0]],
    ]);
  });

  it('builds media URLs that encode every key character', () => {
    expect(mediaUrl('b', 'uploads/<img src=x>.jpg')).toBe('/console/api/media?bucket=b&key=uploads%2F%3Cimg%20src%3Dx%3E.jpg');
    expect(mediaPathUrl('b', 'video/a b.mp4/hls/master.m3u8')).toBe('/console/media/b/video/a%20b.mp4/hls/master.m3u8');
  });
});

describe('cost charts', () => {
  it('puts cost per 1 000 tasks and the container month on one log axis', () => {
    const chart = costBars([
      { pipeline: 'image', tasks: 3, p50DurationMs: 1, p95DurationMs: 1, gbSeconds: 1, costPerTaskUsd: 0.00001, costPer1000Usd: 0.01, peakConcurrency: 1, container: { vcpu: 1, memoryGb: 2, monthlyUsd: 100 }, breakEvenTasksPerMonth: 1e7 },
    ]);
    expect([chart.min, chart.max]).toEqual([0.01, 100]);
    expect(chart.rows[0]).toMatchObject({ pipeline: 'image', per1000: { width: 1 }, container: { width: 100, size: '1 vCPU, 2 GB' }, breakEven: 1e7 });
    expect(costBars([])).toEqual({ rows: [], min: 0, max: 0 });
  });

  it('accumulates GB-seconds by attempt end, splitting a task across its attempts by billed time', () => {
    const series = gbSecondsSeries([
      task({ taskId: 'A', gbSeconds: 3, attempts: [{ attempt: 1, requestId: 'a', startedAt: 0, endedAt: 100, billedDurationMs: 100, memoryMb: 1 }, { attempt: 2, requestId: 'b', startedAt: 200, endedAt: 400, billedDurationMs: 200, memoryMb: 1 }] }),
      task({ taskId: 'B', gbSeconds: 1, attempts: [{ attempt: 1, requestId: 'c', startedAt: 100, endedAt: 300, billedDurationMs: 200, memoryMb: 1 }] }),
      task({ taskId: 'C', gbSeconds: 0, state: 'queued' }),
    ]);
    expect(series).toEqual([
      { at: 100, total: 1 },
      { at: 300, total: 2 },
      { at: 400, total: 4 },
    ]);
    expect(polylinePoints(series, 300, 100)).toBe('0.0,75.0 200.0,50.0 300.0,0.0');
  });
});
