// The console page. Every piece of data reaches the DOM as text (textContent, setAttribute on
// fixed attribute names): no innerHTML, so a key such as `<img src=x onerror=alert(1)>.jpg` is
// shown, never parsed. Layout and arithmetic live in view.js.
import {
  STATES,
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
} from './view.js';

const SVG = 'http://www.w3.org/2000/svg';
const state = { tasks: [], pipelines: [], filter: { pipeline: '', state: '', search: '' }, selected: undefined, pendingUploads: [], live: false };

/** An element with attributes and children; strings become text nodes, never markup. */
function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === false) continue;
    if (name === 'on') for (const [event, handler] of Object.entries(value)) node.addEventListener(event, handler);
    else node.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children.flat()) if (child !== undefined && child !== null) node.append(typeof child === 'string' || typeof child === 'number' ? String(child) : child);
  return node;
}

function svg(tag, attributes = {}, ...children) {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, String(value));
  for (const child of children.flat()) if (child !== undefined && child !== null) node.append(typeof child === 'string' ? child : child);
  return node;
}

/** A bar positioned in percent of its track (CSSOM, which the CSP allows; style attributes it would not). */
function placed(node, left, width) {
  node.style.left = `${left}%`;
  node.style.width = `${width}%`;
  return node;
}

/** Duration labels under a time track, at the ticks' positions. */
function timeAxis(ticks) {
  return el(
    'div',
    { class: 'timeline-axis' },
    ...ticks.map((tick) => {
      const label = el('span', { class: 'tick' }, formatDuration(tick.value));
      label.style.left = `${tick.left}%`;
      return label;
    }),
  );
}

/** A table of rows of cells under a header of names. */
function dataTable(className, names, rows) {
  return el('table', { class: className }, el('thead', {}, el('tr', {}, ...names.map((name) => el('th', {}, name)))), el('tbody', {}, ...rows.map((cells) => el('tr', {}, ...cells))));
}

async function api(path, init) {
  const response = await fetch(path, { headers: { accept: 'application/json' }, ...init });
  const body = await response.json().catch(() => ({ error: { code: 'CONSOLE_BAD_ANSWER', message: `${response.status} without JSON` } }));
  if (!response.ok) {
    const error = new Error(body?.error?.message ?? `HTTP ${response.status}`);
    error.code = body?.error?.code ?? String(response.status);
    throw error;
  }
  return body;
}

function showProblem(message) {
  const bar = document.getElementById('problem');
  bar.textContent = message ?? '';
  bar.hidden = !message;
}

// ---------- list ----------

function renderCounts() {
  const counts = countByState(state.tasks);
  const holder = document.getElementById('counts');
  holder.replaceChildren(
    ...STATES.map((s) =>
      el(
        'button',
        { class: `count state-${s}${state.filter.state === s ? ' active' : ''}`, type: 'button', 'data-state': s, on: { click: () => setFilter({ state: state.filter.state === s ? '' : s }) } },
        el('span', { class: 'count-n' }, String(counts[s] ?? 0)),
        ` ${s}`,
      ),
    ),
  );
}

function renderFilters() {
  const pipelineSelect = document.getElementById('filter-pipeline');
  const known = new Set([...state.pipelines.map((p) => p.id), ...state.tasks.map((t) => t.pipeline)]);
  pipelineSelect.replaceChildren(el('option', { value: '' }, 'all pipelines'), ...[...known].sort().map((id) => el('option', { value: id, selected: state.filter.pipeline === id }, id)));
  const stateSelect = document.getElementById('filter-state');
  stateSelect.replaceChildren(el('option', { value: '' }, 'all states'), ...STATES.map((s) => el('option', { value: s, selected: state.filter.state === s }, s)));
}

function renderList() {
  renderCounts();
  const rows = filterTasks(state.tasks, state.filter);
  const body = document.getElementById('task-rows');
  const pending = state.pendingUploads
    .filter((u) => !state.tasks.some((t) => t.input.key === u.key && t.createdAt >= u.at - 5_000))
    .map((u) => el('tr', { class: 'pending', 'data-key': u.key }, el('td', { class: 'key' }, u.key), el('td', {}, u.pipeline), el('td', {}, el('span', { class: 'state state-queued' }, 'uploaded')), el('td', {}, '—'), el('td', {}, '—'), el('td', {}, '—')));
  body.replaceChildren(
    ...pending,
    ...rows.map((task) =>
      el(
        'tr',
        {
          class: `task${state.selected === task.taskId ? ' selected' : ''}`,
          'data-task-id': task.taskId,
          'data-state': task.state,
          tabindex: '0',
          on: { click: () => select(task.taskId), keydown: (e) => e.key === 'Enter' && select(task.taskId) },
        },
        el('td', { class: 'key', title: task.taskId }, task.input.key),
        el('td', {}, task.pipeline),
        el('td', {}, el('span', { class: `state state-${task.state}` }, task.state)),
        el('td', { class: 'num' }, String(task.attemptCount ?? task.attempts.length)),
        el('td', { class: 'num' }, formatDuration(taskDurationMs(task))),
        el('td', { class: 'num' }, formatUsd(task.costUsd)),
      ),
    ),
  );
  document.getElementById('list-empty').hidden = rows.length + pending.length > 0;
}

function setFilter(change) {
  state.filter = { ...state.filter, ...change };
  renderFilters();
  renderList();
}

// ---------- detail ----------

async function select(taskId) {
  state.selected = taskId;
  history.replaceState(null, '', `#task=${taskId}`);
  renderList();
  await renderDetail();
}

let renderToken = 0;

async function renderDetail() {
  const panel = document.getElementById('detail');
  const taskId = state.selected;
  if (!taskId) {
    panel.replaceChildren(el('p', { class: 'hint' }, 'Select a task to see its timeline, failure and result.'));
    return;
  }
  // Renders overlap (a click, a live update, an action); only the newest may draw.
  const token = ++renderToken;
  let task;
  try {
    task = (await api(`/console/api/tasks/${encodeURIComponent(taskId)}`)).task;
  } catch (error) {
    if (token === renderToken) panel.replaceChildren(el('p', { class: 'problem' }, `${error.code}: ${error.message}`));
    return;
  }
  if (token !== renderToken) return;
  state.tasks = mergeTasks(state.tasks, [task]);
  const pipelineView = el('section', { class: 'pipeline-view', 'data-pipeline': task.pipeline }, el('p', { class: 'hint' }, 'loading the result…'));
  const logsView = el('section', { class: 'logs', id: 'logs' }, el('h3', {}, 'Logs'), el('p', { class: 'hint' }, 'loading the logs…'));
  panel.replaceChildren(
    el(
      'header',
      { class: 'detail-head' },
      el('h2', { class: 'key', id: 'detail-key' }, task.input.key),
      el('span', { class: `state state-${task.state}`, id: 'detail-state' }, task.state),
    ),
    el(
      'dl',
      { class: 'facts' },
      fact('task', task.taskId),
      fact('pipeline', task.pipeline),
      fact('input', `s3://${task.input.bucket}/${task.input.key}`),
      fact('size', formatBytes(task.input.size)),
      fact('created', new Date(task.createdAt).toISOString()),
      fact('attempts', String(task.attemptCount ?? task.attempts.length)),
      fact('duration', formatDuration(taskDurationMs(task))),
      fact('GB-s', (task.gbSeconds ?? 0).toFixed(4)),
      fact('cost', formatUsd(task.costUsd)),
    ),
    actions(task),
    timeline(task),
    attemptsTable(task),
    logsView,
    ...(task.failure ? [failure(task.failure)] : []),
    pipelineView,
  );
  fillLogs(logsView, task);
  fillPipelineView(pipelineView, task);
}

function fact(name, value) {
  return el('div', {}, el('dt', {}, name), el('dd', {}, value));
}

function actions(task) {
  const retryable = ['failed', 'dead-lettered', 'stopped'].includes(task.state);
  const stoppable = ['queued', 'retrying'].includes(task.state);
  const note = el('span', { class: 'action-note', id: 'action-note', role: 'status' });
  const call = async (action) => {
    note.textContent = `${action}…`;
    try {
      const answer = await api(`/console/api/tasks/${encodeURIComponent(task.taskId)}/${action}`, { method: 'POST' });
      note.textContent = action === 'stop' ? (answer.stopped ? 'stopped' : `not stopped: ${answer.state}${answer.message ? ` — ${answer.message}` : ''}`) : 'retry queued';
      await renderDetail();
    } catch (error) {
      note.textContent = `${error.code}: ${error.message}`;
    }
  };
  return el(
    'div',
    { class: 'actions' },
    el('button', { type: 'button', id: 'retry', disabled: !retryable, on: { click: () => call('retry') } }, 'Retry'),
    el('button', { type: 'button', id: 'stop', disabled: !stoppable, on: { click: () => call('stop') } }, 'Stop'),
    note,
  );
}

function timeline(task) {
  const layout = timelineLayout(task);
  const track = el('div', { class: 'timeline-track' });
  for (const bar of layout.bars) {
    const title = `${bar.label}: ${formatDuration(bar.durationMs)}${bar.error ? ` — ${bar.error.code}` : ''}`;
    track.append(placed(el('div', { class: `bar bar-${bar.kind} outcome-${bar.outcome ?? 'none'}`, title, 'data-kind': bar.kind }, el('span', {}, bar.kind === 'attempt' ? `#${bar.attempt}` : '')), bar.left, bar.width));
  }
  if (layout.terminal) {
    const mark = el('div', { class: `terminal state-${layout.terminal.state}`, title: `${layout.terminal.state} at ${new Date(layout.terminal.at).toISOString()}` });
    mark.style.left = `${layout.terminal.left}%`;
    track.append(mark);
  }
  const axis = timeAxis(layout.ticks);
  const legend = el(
    'ul',
    { class: 'timeline-legend' },
    ...layout.bars.map((bar) => el('li', {}, el('span', { class: `swatch bar-${bar.kind} outcome-${bar.outcome ?? 'none'}` }), `${bar.label} ${formatDuration(bar.durationMs)}${bar.outcome ? ` (${bar.outcome})` : ''}`)),
    layout.terminal ? el('li', {}, el('span', { class: `swatch terminal-swatch state-${layout.terminal.state}` }), layout.terminal.state) : undefined,
  );
  return el('section', { class: 'timeline', id: 'timeline' }, el('h3', {}, `Timeline — ${formatDuration(layout.spanMs)}`), track, axis, legend);
}

function attemptsTable(task) {
  if (task.attempts.length === 0) return el('p', { class: 'hint' }, 'No attempt has started yet.');
  return dataTable(
    'attempts',
    ['#', 'request', 'started', 'duration', 'billed', 'memory used / set', 'outcome', 'error'],
    task.attempts.map((a) => [
      el('td', {}, String(a.attempt)),
      el('td', { class: 'mono' }, a.requestId),
      el('td', {}, new Date(a.startedAt).toISOString().slice(11, 23)),
      el('td', { class: 'num' }, formatDuration(a.durationMs ?? (a.endedAt ? a.endedAt - a.startedAt : undefined))),
      el('td', { class: 'num' }, formatDuration(a.billedDurationMs)),
      el('td', { class: 'num' }, `${a.memoryUsedMb ?? '—'} / ${a.memoryMb} MB`),
      el('td', {}, a.outcome ?? (a.endedAt ? 'ended' : 'running')),
      el('td', { class: 'mono' }, a.error ? `${a.error.code}: ${a.error.message}` : ''),
    ]),
  );
}

const plural = (n, noun) => `${n} ${noun}${n === 1 ? '' : 's'}`;

function logLine(line) {
  const read = readLogLine(line.text);
  const level = 'level' in read ? read.level.toLowerCase() : '';
  return el(
    'div',
    { class: `log-line stream-${line.stream}${level ? ` level-${level}` : ''}`, title: line.text },
    ...('message' in read
      ? [el('span', { class: 'log-time' }, read.time), ' ', el('span', { class: 'log-level' }, read.level), ' ', el('span', { class: 'log-message' }, read.message), ' ', el('span', { class: 'log-fields' }, read.fields.join(' '))]
      : [read.text]),
  );
}

/** Each attempt's log lines, as text: a line is never parsed as markup, whatever it holds. */
async function fillLogs(holder, task) {
  let answer;
  try {
    answer = await api(`/console/api/tasks/${encodeURIComponent(task.taskId)}/logs`);
  } catch (error) {
    holder.replaceChildren(el('h3', {}, 'Logs'), el('p', { class: 'hint' }, `${error.code}: ${error.message}`));
    return;
  }
  if (!holder.isConnected) return;
  const attempts = answer.attempts.map((a) =>
    el(
      'details',
      { class: 'attempt-log', 'data-attempt': a.attempt, open: true },
      el(
        'summary',
        {},
        `attempt ${a.attempt} — request ${a.requestId} — ${a.kept ? plural(a.lines.length, 'line') : 'not kept by this runtime'}${a.otherTasksLines > 0 ? ` (${plural(a.otherTasksLines, 'line')} of other tasks in its batch left out)` : ''}`,
      ),
      el('pre', { class: 'log-lines' }, ...a.lines.map((line) => logLine(line))),
    ),
  );
  holder.replaceChildren(
    el('h3', {}, 'Logs'),
    ...(answer.source === 'none' ? [el('p', { class: 'hint' }, 'This console reads no logs (it is not attached to a runtime).')] : []),
    ...(attempts.length > 0 ? attempts : [el('p', { class: 'hint' }, 'No attempt has run yet.')]),
  );
}

function failure(record) {
  return el(
    'section',
    { class: 'failure', id: 'failure' },
    el('h3', {}, 'Failure'),
    el('p', {}, el('code', { class: 'failure-code', id: 'failure-code' }, record.code), ' ', record.message),
    record.details && Object.keys(record.details).length > 0 ? el('pre', {}, JSON.stringify(record.details, null, 2)) : undefined,
  );
}

// ---------- pipeline views ----------

async function fillPipelineView(holder, task) {
  let result;
  try {
    result = await api(`/console/api/result?task=${encodeURIComponent(task.taskId)}`);
  } catch (error) {
    holder.replaceChildren(el('h3', {}, `${task.pipeline} result`), el('p', { class: 'hint' }, `${error.code}: ${error.message}`));
    return;
  }
  if (!holder.isConnected) return;
  const doc = result.document;
  const views = { image: imageView, video: videoView, settlement: settlementView, inference: inferenceView };
  // Every view draws its pipeline's result document; settlement's also draws a rejection's failure record.
  const view = result.kind === 'result' || task.pipeline === 'settlement' ? views[task.pipeline] : undefined;
  let drawn;
  try {
    drawn = view ? await view(doc, task, result.kind) : undefined;
  } catch (error) {
    drawn = el('p', { class: 'problem' }, `could not draw this ${task.pipeline} result: ${error.message}`);
  }
  holder.replaceChildren(
    el('h3', {}, `${task.pipeline} ${result.kind === 'failure' ? 'failure record' : 'result'}`),
    el('p', { class: 'hint mono' }, `s3://${result.bucket}/${result.key}`),
    drawn ?? el('p', { class: 'hint' }, 'No view for this document: its JSON is below.'),
    el('details', { class: 'raw', open: drawn ? undefined : true }, el('summary', {}, 'result JSON'), el('pre', {}, JSON.stringify(doc, null, 2))),
  );
}

function picture(bucket, key, caption, lines) {
  return el('figure', { class: 'picture' }, el('img', { src: mediaUrl(bucket, key), alt: key, loading: 'lazy' }), el('figcaption', {}, el('strong', {}, caption), ...lines.map((l) => el('div', {}, l))));
}

function imageView(doc, task) {
  if (!doc || !Array.isArray(doc.renditions)) return undefined;
  const results = state.pipelines.find((p) => p.id === task.pipeline)?.resultsBucket;
  const source = doc.source ?? {};
  return el(
    'div',
    { class: 'image-view' },
    picture(task.input.bucket, task.input.key, 'source', [`${source.width ?? '?'} × ${source.height ?? '?'} ${source.format ?? ''}`, formatBytes(source.bytes ?? task.input.size)]),
    ...doc.renditions.map((r) =>
      results ? picture(results, r.key, r.name, [`${r.width} × ${r.height} ${r.format}${r.frames > 1 ? `, ${r.frames} frames` : ''}`, formatBytes(r.bytes)]) : el('div', {}, r.name),
    ),
  );
}

function videoView(report) {
  const results = state.pipelines.find((p) => p.id === 'video')?.resultsBucket;
  const frames = videoFrames(report);
  const summary = videoSummary(report);
  const parts = [
    el(
      'p',
      { class: `verdict verdict-${summary.verdict}` },
      'verdict: ',
      el('strong', {}, summary.verdict),
      ` — ${summary.flaggedFrames} of ${frames.length} frames flagged by ${summary.provider}`,
    ),
  ];
  if (summary.stream) parts.push(el('p', { class: 'stream' }, `live stream ${summary.stream.streamId}: `, el('strong', {}, summary.stream.verdict)));
  if (summary.quarantine) parts.push(el('p', { class: 'quarantine' }, `quarantined: s3://${summary.quarantine.bucket}/${summary.quarantine.key}`));
  parts.push(
    el('h4', {}, `frames (${frames.length})`),
    el(
      'div',
      { class: 'frame-strip' },
      ...frames.map((f) =>
        el(
          'figure',
          { class: 'frame' },
          results ? el('img', { src: mediaUrl(results, f.key), alt: `frame at ${formatDuration(f.timestampMs)}`, width: f.width, height: f.height }) : undefined,
          el('figcaption', {}, el('div', { class: 'time' }, formatDuration(f.timestampMs)), el('div', { class: 'top-label' }, f.label ? `${f.label} ${f.score.toFixed(2)}` : 'no label')),
        ),
      ),
    ),
  );
  const axis = segmentAxis(summary.segments, summary.durationMs);
  const track = el('div', { class: 'segment-track' });
  track.style.height = `${axis.lanes * 22 + 4}px`;
  for (const s of axis.segments) {
    const bar = placed(
      el('div', { class: `segment severity-${s.severity}`, title: `${s.label} ${formatDuration(s.startMs)}–${formatDuration(s.endMs)}, max ${s.maxScore.toFixed(2)}, ${s.frames} frames` }, s.label),
      s.left,
      s.width,
    );
    bar.style.top = `${s.lane * 22 + 2}px`;
    track.append(bar);
  }
  parts.push(el('h4', {}, `segments (${axis.segments.length}) over ${formatDuration(axis.durationMs)}`), track, timeAxis(axis.ticks));
  if (summary.poster && results) {
    parts.push(el('h4', {}, 'poster'), picture(results, summary.poster.key, 'poster', [`${summary.poster.width} × ${summary.poster.height}`, `at ${formatDuration(summary.poster.timestamp * 1000)}`]));
  }
  if (summary.hlsMasterKey && results) {
    const src = mediaPathUrl(results, summary.hlsMasterKey);
    const video = el('video', { controls: true, preload: 'metadata', class: 'hls', id: 'hls-player', poster: summary.poster ? mediaUrl(results, summary.poster.key) : undefined });
    // The browser's own HLS player (Safari; Chromium since 2025): the playlist and its segments come through the media route.
    const native = video.canPlayType('application/vnd.apple.mpegurl') !== '';
    if (native) video.setAttribute('src', src);
    parts.push(
      el('h4', {}, `HLS (${summary.hlsVariants.join(', ')})`),
      native ? video : el('p', { class: 'hint' }, 'This browser does not play HLS itself: open the playlist in a player.'),
      el('a', { href: src, class: 'hls-master' }, 'master playlist'),
    );
  }
  return el('div', { class: 'video-view' }, ...parts);
}

function playersTable(players) {
  return dataTable(
    'players',
    ['player', 'hero', 'level', 'survived', 'damage', 'kills', 'rewards', 'balance after'],
    players.map((p) => [
      el('td', {}, p.playerId),
      el('td', {}, p.heroId),
      el('td', { class: 'num' }, String(p.level)),
      el('td', {}, p.survived ? 'yes' : 'no'),
      el('td', { class: 'num' }, String(p.damageDealt)),
      el('td', { class: 'num' }, String(p.kills)),
      el('td', { class: 'rewards' }, formatGrant(p.rewards)),
      el('td', { class: 'balance' }, p.ledger ? formatGrant(p.ledger) : 'not applied'),
    ]),
  );
}

/** A settlement document, or a rejected battle's failure record with its reasons against the log's actions. */
async function settlementView(doc, task, kind) {
  if (kind === 'result') {
    return el(
      'div',
      { class: 'settlement-view' },
      el('p', { class: 'winner' }, 'winner: ', el('strong', {}, doc.winner), ` (${doc.result}, ${formatDuration(doc.durationMs)} of battle)`),
      el('p', { class: 'settlement-status' }, `battle ${doc.battleId}: ${doc.status}${doc.status === 'duplicate' ? ' — settled before, nothing granted twice' : ''}`),
      playersTable(doc.players),
    );
  }
  const reasons = doc.details?.reasons;
  if (!Array.isArray(reasons)) return undefined;
  let log;
  try {
    const response = await fetch(mediaUrl(task.input.bucket, task.input.key));
    if (response.ok) log = await response.json();
  } catch {
    log = undefined;
  }
  return el(
    'div',
    { class: 'settlement-view' },
    el('p', { class: 'rejected' }, `battle ${doc.details.battleId} rejected: ${reasons.length} reason${reasons.length === 1 ? '' : 's'}`),
    el(
      'ol',
      { class: 'rejections' },
      ...rejectionsByAction(log?.actions, reasons).map(({ reason, index, action }) =>
        el(
          'li',
          { 'data-code': reason.code },
          el('code', {}, reason.code),
          ` ${reason.path} — ${reason.message}`,
          action !== undefined
            ? el('pre', { class: 'action' }, `actions[${index}]: ${JSON.stringify(action)}`)
            : el('div', { class: 'hint' }, index !== undefined ? `actions[${index}] is not in the log` : 'about the battle as a whole'),
        ),
      ),
    ),
  );
}

function inferenceView(doc) {
  const ingest = state.pipelines.find((p) => p.id === 'inference')?.ingestBucket;
  return el(
    'div',
    { class: 'inference-view' },
    el('p', { class: 'hint' }, `${doc.status}: ${doc.summary.succeeded} of ${doc.summary.images} images on ${doc.model.name} (${doc.model.backend}), top ${doc.topK}`),
    ...doc.images.map((image) => {
      const bars = classBars(image.top ?? [], doc.topK);
      return el(
        'figure',
        { class: 'inference', 'data-status': image.status },
        ingest ? el('img', { src: mediaUrl(ingest, image.key), alt: image.key }) : undefined,
        el(
          'figcaption',
          {},
          el('div', { class: 'key' }, image.key),
          image.status === 'failed'
            ? el('div', { class: 'problem' }, `${image.error.code}: ${image.error.message}`)
            : el('div', { class: 'hint' }, `${image.width} × ${image.height} ${image.format}, ${formatBytes(image.bytes)}`),
          ...bars.map((b) => el('div', { class: 'class-bar' }, placed(el('span', { class: 'fill' }), 0, b.width), el('span', { class: 'label' }, `${b.label} ${(b.score * 100).toFixed(1)}%`))),
        ),
      );
    }),
  );
}

// ---------- cost ----------

async function renderCost() {
  const holder = document.getElementById('cost');
  let cost;
  try {
    cost = await api('/console/api/cost');
  } catch (error) {
    holder.replaceChildren(el('p', { class: 'problem' }, `${error.code}: ${error.message}`));
    return;
  }
  const chart = costBars(cost.pipelines);
  const rowHeight = 34;
  const width = 460;
  const labelWidth = 90;
  const barsSvg = svg('svg', { viewBox: `0 0 ${width + labelWidth + 260} ${chart.rows.length * rowHeight * 2 + 24}`, class: 'cost-chart', role: 'img', 'aria-label': 'cost per 1 000 tasks beside an always-on container per month' });
  chart.rows.forEach((row, i) => {
    const y = i * rowHeight * 2 + 4;
    barsSvg.append(
      svg('text', { x: 0, y: y + 14, class: 'chart-label' }, row.pipeline),
      svg('rect', { x: labelWidth, y, width: (row.per1000.width / 100) * width, height: 14, class: 'bar-lambda' }),
      svg('text', { x: labelWidth + (row.per1000.width / 100) * width + 6, y: y + 12, class: 'chart-value' }, `${formatUsd(row.per1000.usd)} per 1 000 tasks`),
      svg('rect', { x: labelWidth, y: y + 18, width: (row.container.width / 100) * width, height: 14, class: 'bar-container' }),
      svg('text', { x: labelWidth + (row.container.width / 100) * width + 6, y: y + 30, class: 'chart-value' }, `${formatUsd(row.container.usd)} / month always on (${row.container.size})`),
    );
  });
  barsSvg.append(svg('text', { x: labelWidth, y: chart.rows.length * rowHeight * 2 + 18, class: 'chart-axis' }, `log scale ${formatUsd(chart.min)} – ${formatUsd(chart.max)}`));
  const series = gbSecondsSeries(state.tasks);
  const lineSvg = svg('svg', { viewBox: '0 0 520 120', class: 'gbs-chart', role: 'img', 'aria-label': 'GB-seconds over time' });
  lineSvg.append(svg('polyline', { points: polylinePoints(series, 500, 100), class: 'gbs-line', transform: 'translate(10,10)' }));
  if (series.length > 0) {
    lineSvg.append(svg('text', { x: 12, y: 20, class: 'chart-value' }, `${series[series.length - 1].total.toFixed(3)} GB-s over ${formatDuration(series[series.length - 1].at - series[0].at)}`));
  }
  holder.replaceChildren(
    el('h3', {}, 'Cost per 1 000 tasks beside an always-on container'),
    chart.rows.length > 0 ? barsSvg : el('p', { class: 'hint' }, 'no finished tasks yet'),
    el(
      'ul',
      { class: 'break-even' },
      ...chart.rows.map((r) => el('li', {}, `${r.pipeline}: the container costs less above ${r.breakEven === null || !Number.isFinite(r.breakEven) ? '∞' : r.breakEven.toLocaleString('en-US')} tasks a month`)),
    ),
    el('h3', {}, 'GB-seconds over time'),
    lineSvg,
    el('p', { class: 'hint' }, `Prices: ${cost.prices.region} list prices as of ${cost.prices.asOf}${cost.prices.exact ? '' : ` (no table for ${cost.region})`}; the container is Fargate sized for the measured peak, 730 h a month.`),
  );
}

// ---------- live updates, upload ----------

function connectEvents() {
  const source = new EventSource('/console/api/events');
  const live = document.getElementById('live');
  source.addEventListener('open', () => {
    live.textContent = 'live';
    live.className = 'live on';
  });
  source.addEventListener('error', () => {
    live.textContent = 'reconnecting…';
    live.className = 'live off';
  });
  source.addEventListener('tasks', (event) => {
    const updates = JSON.parse(event.data);
    state.tasks = mergeTasks(state.tasks, updates);
    showProblem('');
    renderFilters();
    renderList();
    if (state.selected && updates.some((t) => t.taskId === state.selected)) void renderDetail();
    scheduleCost();
  });
  source.addEventListener('problem', (event) => showProblem(`task API: ${JSON.parse(event.data).message}`));
}

let costTimer;
function scheduleCost() {
  clearTimeout(costTimer);
  costTimer = setTimeout(() => void renderCost(), 1500);
}

async function uploadFiles(files) {
  const note = document.getElementById('upload-note');
  for (const file of files) {
    note.textContent = `uploading ${file.name}…`;
    try {
      const answer = await api(`/console/api/upload?name=${encodeURIComponent(file.name)}`, { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: file });
      state.pendingUploads.push({ key: answer.key, pipeline: answer.pipeline, at: Date.now() });
      note.textContent = `${file.name} → ${answer.pipeline} (s3://${answer.bucket}/${answer.key})`;
      renderList();
    } catch (error) {
      note.textContent = `${file.name}: ${error.code}: ${error.message}`;
    }
  }
}

function wireUpload() {
  const zone = document.getElementById('drop');
  const input = document.getElementById('file-input');
  zone.addEventListener('dragover', (e) => {
    e.preventDefault();
    zone.classList.add('over');
  });
  zone.addEventListener('dragleave', () => zone.classList.remove('over'));
  zone.addEventListener('drop', (e) => {
    e.preventDefault();
    zone.classList.remove('over');
    void uploadFiles([...(e.dataTransfer?.files ?? [])]);
  });
  input.addEventListener('change', () => void uploadFiles([...input.files]));
  // A file dropped anywhere else must not make the browser navigate away to it.
  window.addEventListener('dragover', (e) => e.preventDefault());
  window.addEventListener('drop', (e) => e.preventDefault());
}

async function start() {
  document.getElementById('filter-pipeline').addEventListener('change', (e) => setFilter({ pipeline: e.target.value }));
  document.getElementById('filter-state').addEventListener('change', (e) => setFilter({ state: e.target.value }));
  document.getElementById('search').addEventListener('input', (e) => setFilter({ search: e.target.value }));
  wireUpload();
  try {
    state.pipelines = (await api('/console/api/pipelines')).pipelines;
    state.tasks = (await api('/console/api/tasks?limit=200')).tasks;
  } catch (error) {
    showProblem(`${error.code}: ${error.message}`);
  }
  renderFilters();
  renderList();
  const fromHash = location.hash.match(/^#task=([0-9A-Z]{26})$/);
  if (fromHash) await select(fromHash[1]);
  else void renderDetail();
  void renderCost();
  connectEvents();
  document.body.dataset.ready = 'true';
}

void start();
