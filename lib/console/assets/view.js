// Pure view logic of the console page: no DOM, no fetch. The page (console.js) draws what these
// functions compute; unit tests (test/unit/console/view.test.ts) pin their arithmetic.

export const STATES = ['queued', 'running', 'retrying', 'succeeded', 'failed', 'superseded', 'dead-lettered', 'stopped'];
const TERMINAL = new Set(['succeeded', 'failed', 'superseded', 'dead-lettered', 'stopped']);

export function isTerminal(state) {
  return TERMINAL.has(state);
}

/** 950 ms, 1.2 s, 2 min 5 s, 1 h 3 min. */
export function formatDuration(ms) {
  if (ms === undefined || ms === null || !Number.isFinite(ms)) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
  if (ms < 3_600_000) return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
  return `${Math.floor(ms / 3_600_000)} h ${Math.round((ms % 3_600_000) / 60_000)} min`;
}

/** 999 B, 1.5 KB, 2.3 MB (powers of 1024). */
export function formatBytes(bytes) {
  if (bytes === undefined || bytes === null || !Number.isFinite(bytes)) return '—';
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

/** Dollars with enough digits to show a task's fraction of a cent: $0.0000021, $1.24. */
export function formatUsd(usd) {
  if (usd === undefined || usd === null || !Number.isFinite(usd)) return '—';
  if (usd === 0) return '$0';
  if (Math.abs(usd) >= 1) return `$${usd.toFixed(2)}`;
  const digits = Math.min(10, Math.max(2, 1 - Math.floor(Math.log10(Math.abs(usd)))));
  return `$${usd.toFixed(digits)}`;
}

/** Wall time of a task: from its creation to its end, or to `now` while it is open. */
export function taskDurationMs(task, now = Date.now()) {
  const end = task.finishedAt ?? (isTerminal(task.state) ? task.updatedAt : now);
  return Math.max(0, end - task.createdAt);
}

/** Newest first; ids sort by creation time, so they break ties of the same millisecond. */
export function sortNewestFirst(tasks) {
  return [...tasks].sort((a, b) => b.createdAt - a.createdAt || (a.taskId < b.taskId ? 1 : a.taskId > b.taskId ? -1 : 0));
}

/** The list as filtered by pipeline, state and a case-insensitive search in the input key or task id. */
export function filterTasks(tasks, filter = {}) {
  const search = (filter.search ?? '').trim().toLowerCase();
  return sortNewestFirst(
    tasks.filter(
      (task) =>
        (!filter.pipeline || task.pipeline === filter.pipeline) &&
        (!filter.state || task.state === filter.state) &&
        (!search || task.input.key.toLowerCase().includes(search) || task.taskId.toLowerCase().includes(search)),
    ),
  );
}

/** Tasks per state, every state present (0 when none), in the state machine's order. */
export function countByState(tasks) {
  const counts = Object.fromEntries(STATES.map((s) => [s, 0]));
  for (const task of tasks) counts[task.state] = (counts[task.state] ?? 0) + 1;
  return counts;
}

/** Replaces tasks by id with newer versions (by updatedAt) and adds the new ones. */
export function mergeTasks(current, updates) {
  const byId = new Map(current.map((t) => [t.taskId, t]));
  for (const task of updates) {
    const known = byId.get(task.taskId);
    if (!known || task.updatedAt >= known.updatedAt) byId.set(task.taskId, task);
  }
  return [...byId.values()];
}

/**
 * A task's life as bars on one time axis, to scale: the wait before its first attempt (queued),
 * each attempt from start to end, the waits between attempts (retries), and the terminal mark.
 * Positions are percentages of the span from creation to the end (or `now` while open).
 */
export function timelineLayout(task, now = Date.now()) {
  const start = task.createdAt;
  const attempts = [...(task.attempts ?? [])].sort((a, b) => a.startedAt - b.startedAt);
  const lastEnd = Math.max(start, ...attempts.map((a) => a.endedAt ?? now), task.finishedAt ?? 0);
  const end = isTerminal(task.state) ? Math.max(lastEnd, task.finishedAt ?? lastEnd) : Math.max(lastEnd, now);
  const span = Math.max(1, end - start);
  const pct = (t) => Math.min(100, Math.max(0, ((t - start) / span) * 100));
  const bars = [];
  let cursor = start;
  for (const [i, attempt] of attempts.entries()) {
    if (attempt.startedAt > cursor) {
      bars.push({ kind: i === 0 ? 'queued' : 'retry-wait', label: i === 0 ? 'queued' : 'waiting to retry', from: cursor, to: attempt.startedAt });
    }
    const to = attempt.endedAt ?? now;
    bars.push({
      kind: 'attempt',
      label: `attempt ${attempt.attempt}`,
      attempt: attempt.attempt,
      outcome: attempt.outcome ?? (attempt.endedAt === undefined ? 'running' : 'ended'),
      from: attempt.startedAt,
      to,
      ...(attempt.error ? { error: attempt.error } : {}),
    });
    cursor = Math.max(cursor, to);
  }
  if (attempts.length === 0 && !isTerminal(task.state)) bars.push({ kind: 'queued', label: 'queued', from: start, to: end });
  const laid = bars.map((bar) => ({ ...bar, durationMs: bar.to - bar.from, left: pct(bar.from), width: Math.max(0.5, pct(bar.to) - pct(bar.from)) }));
  const terminal = isTerminal(task.state) ? { state: task.state, at: task.finishedAt ?? end, left: pct(task.finishedAt ?? end) } : undefined;
  return { start, end, spanMs: span, bars: laid, ticks: axisTicks(0, span), ...(terminal ? { terminal } : {}) };
}

/** Round tick steps (1, 2, 5 × 10^n) giving about `target` ticks between min and max (ms). */
export function axisTicks(min, max, target = 5) {
  const span = max - min;
  if (!(span > 0)) return [{ value: min, left: 0 }];
  const raw = span / target;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= raw) ?? 10 * magnitude;
  const ticks = [];
  for (let value = Math.ceil(min / step) * step; value <= max + 1e-9; value += step) ticks.push({ value, left: ((value - min) / span) * 100 });
  return ticks;
}

/**
 * Moderation segments (the report's `segments`: label, startMs, endMs of its last flagged frame,
 * maxScore, severity, frames) on a time axis of the video's duration: each at its start and
 * length in percent, lanes assigned so overlapping segments do not hide each other. A segment of
 * one frame (startMs = endMs) still gets a visible sliver.
 */
export function segmentAxis(segments, durationMs) {
  const valid = segments.filter((s) => Number.isFinite(s.startMs) && Number.isFinite(s.endMs) && s.endMs >= s.startMs).sort((a, b) => a.startMs - b.startMs);
  const total = Math.max(1, durationMs ?? 0, ...valid.map((s) => s.endMs));
  const laneEnds = [];
  const laid = valid.map((s) => {
    let lane = laneEnds.findIndex((end) => end <= s.startMs);
    if (lane === -1) lane = laneEnds.push(0) - 1;
    laneEnds[lane] = s.endMs;
    return { ...s, lane, left: (s.startMs / total) * 100, width: Math.max(0.5, ((s.endMs - s.startMs) / total) * 100) };
  });
  return { durationMs: total, lanes: Math.max(1, laneEnds.length), segments: laid, ticks: axisTicks(0, total) };
}

/**
 * Classes as bars, best first, widths in percent: an inference image's `top` ({label,
 * probability}) or a video frame's `labels` ({label, score}).
 */
export function classBars(classes, k = 5) {
  return classes
    .map((c) => ({ label: String(c.label), score: Number(c.probability ?? c.score) }))
    .filter((c) => Number.isFinite(c.score))
    .sort((a, b) => b.score - a.score)
    .slice(0, k)
    .map((c) => ({ ...c, width: Math.max(0, Math.min(100, c.score * 100)) }));
}

/**
 * The cost chart: per pipeline its cost per 1 000 tasks beside the always-on container's month,
 * on one logarithmic dollar axis (the two differ by orders of magnitude).
 */
export function costBars(report) {
  const values = report.flatMap((p) => [p.costPer1000Usd, p.container.monthlyUsd]).filter((v) => v > 0);
  if (values.length === 0) return { rows: [], min: 0, max: 0 };
  const min = 10 ** Math.floor(Math.log10(Math.min(...values)));
  const max = 10 ** Math.ceil(Math.log10(Math.max(...values)));
  const scale = (v) => (v > 0 ? Math.max(1, (Math.log10(v / min) / Math.log10(max / min || 10)) * 100) : 0);
  return {
    min,
    max,
    rows: report.map((p) => ({
      pipeline: p.pipeline,
      per1000: { usd: p.costPer1000Usd, width: scale(p.costPer1000Usd) },
      container: { usd: p.container.monthlyUsd, width: scale(p.container.monthlyUsd), size: `${p.container.vcpu} vCPU, ${p.container.memoryGb} GB` },
      breakEven: p.breakEvenTasksPerMonth,
    })),
  };
}

/** Cumulative GB-seconds over time, from each attempt's end: the points of a line chart. */
export function gbSecondsSeries(tasks) {
  const points = [];
  for (const task of tasks) {
    const attempts = (task.attempts ?? []).filter((a) => a.endedAt !== undefined);
    if (attempts.length === 0 || !task.gbSeconds) continue;
    const billed = attempts.reduce((sum, a) => sum + (a.billedDurationMs ?? a.durationMs ?? 0), 0);
    for (const a of attempts) {
      const share = billed > 0 ? (a.billedDurationMs ?? a.durationMs ?? 0) / billed : 1 / attempts.length;
      points.push({ at: a.endedAt, gbSeconds: task.gbSeconds * share });
    }
  }
  points.sort((a, b) => a.at - b.at);
  let total = 0;
  return points.map((p) => ({ at: p.at, total: (total += p.gbSeconds) }));
}

/** An SVG polyline's points for a series inside a width × height box. */
export function polylinePoints(series, width, height) {
  if (series.length === 0) return '';
  const t0 = series[0].at;
  const t1 = series[series.length - 1].at;
  const top = series[series.length - 1].total || 1;
  return series
    .map((p) => `${(t1 > t0 ? ((p.at - t0) / (t1 - t0)) * width : width).toFixed(1)},${(height - (p.total / top) * height).toFixed(1)}`)
    .join(' ');
}

/**
 * A rejected battle's reasons (its failure record's `details.reasons`: code, path, message and,
 * for a reason about one action, `actionIndex`) paired with the action of the log they point to.
 * A reason about the whole battle (a claimed result, the party) has no action.
 */
export function rejectionsByAction(actions, reasons) {
  return (reasons ?? []).map((reason) => {
    const fromPath = typeof reason.path === 'string' ? reason.path.match(/^actions\[(\d+)\]/) : null;
    const index = Number.isInteger(reason.actionIndex) ? reason.actionIndex : fromPath ? Number(fromPath[1]) : undefined;
    const action = index === undefined ? undefined : actions?.[index];
    return { reason, ...(index !== undefined ? { index } : {}), ...(action !== undefined ? { action } : {}) };
  });
}

/** A grant or a balance (xp, gold, items by id) as one line: `xp 140 · gold 66 · wolf-pelt ×1`. */
export function formatGrant(grant) {
  if (!grant) return '—';
  const items = Object.entries(grant.items ?? {})
    .filter(([, n]) => n > 0)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([id, n]) => `${id} ×${n}`);
  return [`xp ${grant.xp ?? 0}`, `gold ${grant.gold ?? 0}`, ...items].join(' · ');
}

/** The console's URL for an object of a pipeline (the server refuses anything outside their prefixes). */
export function mediaUrl(bucket, key) {
  return `/console/api/media?bucket=${encodeURIComponent(bucket)}&key=${encodeURIComponent(key)}`;
}

/** Path-style media URL: an HLS playlist's relative segment names resolve beside it. */
export function mediaPathUrl(bucket, key) {
  return `/console/media/${encodeURIComponent(bucket)}/${key.split('/').map(encodeURIComponent).join('/')}`;
}

/**
 * A video report's frames (`frames`: key, timestampMs, width, height, labels highest first) as
 * the strip shows them: time, key, size, and the top label with its score.
 */
export function videoFrames(report) {
  return [...(report.frames ?? [])]
    .sort((a, b) => a.timestampMs - b.timestampMs)
    .map((frame) => {
      const top = classBars(frame.labels ?? [], 1)[0];
      return { timestampMs: frame.timestampMs, key: frame.key, width: frame.width, height: frame.height, ...(top ? { label: top.label, score: top.score } : {}) };
    });
}

/**
 * What the video view draws besides the frames, from the report (functions/video-capture/report.ts):
 * the verdict and its provider, the merged segments on the source's duration, and the optional
 * parts a preset turns on (HLS for film, a poster, a live stream's verdict, a quarantined copy).
 */
export function videoSummary(report) {
  const seconds = report.source?.durationSeconds;
  return {
    verdict: report.verdict,
    provider: report.moderation?.model?.name ?? report.moderation?.provider,
    flaggedFrames: report.moderation?.flaggedFrames ?? 0,
    segments: report.segments ?? [],
    ...(Number.isFinite(seconds) ? { durationMs: Math.round(seconds * 1000) } : {}),
    ...(report.hls ? { hlsMasterKey: report.hls.masterKey, hlsVariants: report.hls.variants.map((v) => v.name) } : {}),
    ...(report.poster ? { poster: report.poster } : {}),
    ...(report.stream ? { stream: { streamId: report.stream.streamId, verdict: report.stream.verdict } } : {}),
    ...(report.quarantine ? { quarantine: report.quarantine } : {}),
  };
}

/** Fields every Powertools line repeats about the function itself: the attempt's header says them once. */
const LAMBDA_FIELDS = new Set(['level', 'message', 'timestamp', 'service', 'cold_start', 'function_arn', 'function_name', 'function_memory_size', 'function_request_id', 'sampling_rate', 'xray_trace_id']);

/**
 * A captured log line as the logs panel shows it: a structured (JSON) line as its time, level,
 * message and its own fields (`key=value`, values as JSON); any other line as it is.
 */
export function readLogLine(text) {
  let fields;
  try {
    fields = text.trimStart().startsWith('{') ? JSON.parse(text) : undefined;
  } catch {
    fields = undefined;
  }
  if (!fields || typeof fields !== 'object' || Array.isArray(fields) || typeof fields.message !== 'string') return { text };
  const time = typeof fields.timestamp === 'string' ? fields.timestamp.slice(11, 23) : '';
  const rest = Object.entries(fields)
    .filter(([name]) => !LAMBDA_FIELDS.has(name))
    .map(([name, value]) => `${name}=${typeof value === 'string' ? value : JSON.stringify(value)}`);
  return { time, level: String(fields.level ?? ''), message: fields.message, fields: rest };
}
