import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RejectionReason } from '../../../functions/battle-settlement/errors.ts';
import type { SettlementDocument } from '../../../functions/battle-settlement/settlement.ts';
import { moderationReport } from '../../../functions/shared/moderation/verdict.ts';
import { buildReport } from '../../../functions/video-capture/report.ts';
import { taskRecord as task } from './task-record.ts';
import {
  axisTicks,
  classBars,
  costBars,
  countByState,
  filterTasks,
  formatBytes,
  formatDuration,
  formatGrant,
  formatUsd,
  gbSecondsSeries,
  mediaPathUrl,
  mediaUrl,
  mergeTasks,
  polylinePoints,
  readLogLine,
  rejectionsByAction,
  segmentAxis,
  taskDurationMs,
  timelineLayout,
  videoFrames,
  videoSummary,
} from '../../../lib/console/assets/view.js';

const BATTLES = join(import.meta.dirname, '..', '..', 'fixtures', 'battles');


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
  // A report as the video pipeline writes it: its own builders over three frames, Sexy on the middle two.
  const labelsPerFrame = [
    [{ label: 'Neutral', score: 0.93 }, { label: 'Sexy', score: 0.04 }],
    [{ label: 'Sexy', score: 0.81 }, { label: 'Neutral', score: 0.15 }],
    [{ label: 'Neutral', score: 0.6 }, { label: 'Sexy', score: 0.75 }],
  ];
  const times = [0, 5, 10];
  const frameKeys = times.map((_, i) => `video/clip.mp4/frames/${i}.jpg`);
  const moderation = moderationReport({
    provider: { name: 'nsfwjs' },
    frames: times.map((t, i) => ({ timestampMs: t * 1000, key: frameKeys[i], labels: labelsPerFrame[i]! })),
    thresholds: { Sexy: { review: 0.7, block: 0.9 } },
    segmentGapMs: 10_000,
    maxEvidenceFrames: 20,
  });
  const report = buildReport({
    input: { bucket: 'in', key: 'videos/clip.mp4' },
    pipeline: 'video',
    capture: {
      source: { codec: 'h264', width: 320, height: 180, rotation: 0, displayWidth: 320, displayHeight: 180, frameRate: 10, container: 'mp4', bytes: 1000, formatName: 'mov,mp4', durationSeconds: 20, audioCodecs: [] },
      strategy: 'interval',
      frames: times.map((t) => ({ timestamp: t, width: 320, height: 180, jpeg: Buffer.alloc(0), sharpness: 1, hash: '0', runStart: t, runEnd: t, runLength: 1 })),
      capturedFrames: 3,
      frameLimitReached: false,
      spacingSeconds: 5,
    },
    captureMs: 10,
    frameKeys,
    moderation,
    moderationMs: 10,
    labelsPerFrame,
    hls: { masterKey: 'video/clip.mp4/hls/master.m3u8', result: { masterPlaylist: 'master.m3u8', variants: [{ name: '360p', playlist: '360p/index.m3u8', segments: 4, shortSide: 360 }], files: [], skipped: ['720p'] }, durationMs: 10 },
  });

  it('reads the frame strip from the report: time, top label and score, in time order', () => {
    expect(videoFrames(report)).toEqual([
      { timestampMs: 0, key: frameKeys[0], width: 320, height: 180, label: 'Neutral', score: 0.93 },
      { timestampMs: 5000, key: frameKeys[1], width: 320, height: 180, label: 'Sexy', score: 0.81 },
      { timestampMs: 10_000, key: frameKeys[2], width: 320, height: 180, label: 'Sexy', score: 0.75 },
    ]);
  });

  it('reads the verdict, the merged segments on the source’s duration and the HLS master', () => {
    const summary = videoSummary(report);
    expect(summary).toMatchObject({ verdict: 'review', provider: 'nsfwjs', flaggedFrames: 2, durationMs: 20_000, hlsMasterKey: 'video/clip.mp4/hls/master.m3u8', hlsVariants: ['360p'] });
    expect(summary.poster).toBeUndefined();
    const axis = segmentAxis(summary.segments, summary.durationMs);
    expect(axis.segments.map((s) => [s.label, s.severity, s.lane, s.left, s.width])).toEqual([['Sexy', 'review', 0, 25, 25]]);
  });

  it('puts overlapping segments in lanes that never overlap, a one-frame segment still visible', () => {
    const segment = (label: string, startMs: number, endMs: number) => ({ label, startMs, endMs, maxScore: 0.9, severity: 'review' as const, frames: 1 });
    const axis = segmentAxis([segment('Porn', 1000, 4000), segment('Sexy', 2000, 3000), segment('Hentai', 5000, 5000), segment('bad', 9, 1)], 10_000);
    expect(axis.segments.map((s) => [s.label, s.lane, s.left, s.width])).toEqual([
      ['Porn', 0, 10, 30],
      ['Sexy', 1, 20, 10],
      ['Hentai', 0, 50, 0.5],
    ]);
    expect(axis.lanes).toBe(2);
  });

  it('shows top-K classes as bars, best first: inference probabilities and frame scores alike', () => {
    expect(classBars([{ label: 'cat', probability: 0.2 }, { label: 'dog', probability: 0.7 }, { label: 'car', score: 0.1 }], 2)).toEqual([
      { label: 'dog', score: 0.7, width: 70 },
      { label: 'cat', score: 0.2, width: 20 },
    ]);
  });

  it('lists a rejected battle’s reasons against the actions they point to', () => {
    const log = JSON.parse(readFileSync(join(BATTLES, 'cooldown-and-ghost.log.json'), 'utf8')) as { actions: unknown[] };
    const record = JSON.parse(readFileSync(join(BATTLES, 'cooldown-and-ghost.rejection.json'), 'utf8')) as { details: { reasons: RejectionReason[] } };
    expect(rejectionsByAction(log.actions, record.details.reasons).map((p) => [p.reason.code, p.index, p.action])).toEqual([
      ['BATTLE_CHEAT_COOLDOWN', 1, log.actions[1]],
      ['BATTLE_CHEAT_ACTOR', 5, log.actions[5]],
    ]);
    const flipped = JSON.parse(readFileSync(join(BATTLES, 'flipped-result.rejection.json'), 'utf8')) as { details: { reasons: RejectionReason[] } };
    expect(rejectionsByAction(log.actions, flipped.details.reasons)).toEqual([{ reason: flipped.details.reasons[0] }]);
    // A path alone still names its action; an index past the log's end names none.
    expect(rejectionsByAction(log.actions, [{ code: 'BATTLE_CHEAT_TIMESTAMP', path: 'actions[2].t', message: 'm' }, { code: 'BATTLE_CHEAT_TIMESTAMP', path: 'actions[99].t', message: 'm' }]).map((p) => [p.index, p.action])).toEqual([
      [2, log.actions[2]],
      [99, undefined],
    ]);
  });

  it('writes a grant or a balance on one line, items sorted', () => {
    const settled = JSON.parse(readFileSync(join(BATTLES, 'duo-victory.settlement.json'), 'utf8')) as SettlementDocument;
    expect(settled.players.map((p) => formatGrant(p.rewards))).toEqual(['xp 140 · gold 66 · wolf-pelt ×1', 'xp 140 · gold 66']);
    expect(formatGrant({ xp: 7, gold: 5, items: { b: 1, a: 2, none: 0 } })).toBe('xp 7 · gold 5 · a ×2 · b ×1');
    expect(formatGrant(null)).toBe('—');
  });

  it('builds media URLs that encode every key character', () => {
    expect(mediaUrl('b', 'uploads/<img src=x>.jpg')).toBe('/console/api/media?bucket=b&key=uploads%2F%3Cimg%20src%3Dx%3E.jpg');
    expect(mediaPathUrl('b', 'video/a b.mp4/hls/master.m3u8')).toBe('/console/media/b/video/a%20b.mp4/hls/master.m3u8');
  });
});

describe('log lines', () => {
  it('shows a structured line as time, level, message and its own fields; any other line as it is', () => {
    const line = JSON.stringify({ level: 'WARN', message: 'Task rejected its input', timestamp: '2026-12-01T10:04:39.176Z', service: 'image', cold_start: true, function_request_id: 'r', key: 'uploads/<b>.jpg', attempt: 1, details: { a: 1 } });
    expect(readLogLine(line)).toEqual({ time: '10:04:39.176', level: 'WARN', message: 'Task rejected its input', fields: ['key=uploads/<b>.jpg', 'attempt=1', 'details={"a":1}'] });
    expect(readLogLine('    at processOne (queue-worker.ts:170)')).toEqual({ text: '    at processOne (queue-worker.ts:170)' });
    expect(readLogLine('{"no":"message"}')).toEqual({ text: '{"no":"message"}' });
    expect(readLogLine('{ broken')).toEqual({ text: '{ broken' });
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
