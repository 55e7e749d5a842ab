/// <reference lib="dom" />
import { request as httpRequest } from 'node:http';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SettlementDocument } from '../../functions/battle-settlement/settlement.ts';
import type { JobDocument } from '../../functions/inference/job.ts';
import type { VideoReport } from '../../functions/video-capture/report.ts';
import { startDevConsole } from '../../lib/console/dev-console.ts';
import type { RunningConsole } from '../../lib/console/server.ts';
import { formatDuration, formatGrant } from '../../lib/console/assets/view.js';
import { ensureAssembly } from '../../lib/local/assembly/ensure-assembly.ts';
import { imageDemoInputs } from '../../lib/local/cli/demo-inputs.ts';
import { LocalRuntime } from '../../lib/local/runtime.ts';
import { LocalTaskTable, TASK_API_URL_OUTPUT, TASK_TABLE_OUTPUT } from '../../lib/local/tasks/task-table-reader.ts';
import { photoJpeg } from '../fixtures/images.ts';
import { cartoonPng } from '../fixtures/model-images.ts';
import { clip } from '../fixtures/videos.ts';
import { PROJECT_ROOT } from '../integration/helpers/assemblies.ts';
import { launchChromium } from './helpers/chromium.ts';

const OUTPUT = join(PROJECT_ROOT, 'test-output');
const HOSTILE = '<img src=x onerror=alert(1)>.jpg';
const BATTLES = join(PROJECT_ROOT, 'test', 'fixtures', 'battles');
/**
 * The `all` preset with the video pipeline as film and moderation would run it: a frame a
 * second, HLS and a poster, and a review threshold the test clip crosses, so the report has
 * merged segments to draw.
 */
const KIT_CONFIG = join(PROJECT_ROOT, 'test', 'browser', 'fixtures', 'console-kit.json');

/**
 * The console in Debian's Chromium over one local runtime running every pipeline: each view is
 * asserted on the result documents the real pipelines wrote for real inputs.
 */
describe('console in a real browser', () => {
  let runtime: LocalRuntime;
  let table: LocalTaskTable;
  let consoleServer: RunningConsole;
  let browser: Awaited<ReturnType<typeof launchChromium>>;
  let page: Page;
  const dialogs: string[] = [];
  const pageErrors: string[] = [];
  const resultKeys = new Map<string, string>();

  /** A result document the pipeline wrote, read from the runtime's S3 (what the console must show). */
  const resultOf = async <T>(pipeline: string, inputKey: string): Promise<T> => {
    const object = await runtime.s3.send(new GetObjectCommand({ Bucket: runtime.pipeline(pipeline)!.resultsBucket, Key: resultKeys.get(inputKey)! }));
    return JSON.parse(await object.Body!.transformToString()) as T;
  };

  beforeAll(async () => {
    mkdirSync(OUTPUT, { recursive: true });
    const assembly = await ensureAssembly({ projectRoot: PROJECT_ROOT, preset: 'all', context: { config: KIT_CONFIG } });
    runtime = await LocalRuntime.start({ assemblyDirectory: assembly.directory });
    table = new LocalTaskTable(runtime.dynamoDbEndpoint!, runtime.region, runtime.stackOutput(TASK_TABLE_OUTPUT)!);
    const taskApiUrl = runtime.stackOutput(TASK_API_URL_OUTPUT);
    // What `media-kit dev` serves: the runtime's task API, S3, pipelines, uploads and captured logs.
    consoleServer = await startDevConsole(runtime, () => taskApiUrl);
    const battle = (file: string) => readFileSync(join(BATTLES, file));
    const inputs: Array<{ pipeline: string; name: string; body: Buffer; contentType: string }> = [
      // The demo `media-kit dev` uploads, and a key built to run script if it were ever parsed as markup.
      ...(await imageDemoInputs()).map((input) => ({ pipeline: 'image', ...input })),
      { pipeline: 'image', name: HOSTILE, body: await photoJpeg(320, 240), contentType: 'image/jpeg' },
      // The smallest real inputs of the other pipelines.
      { pipeline: 'video', name: 'clip.mp4', body: readFileSync(await clip('mp4', 4)), contentType: 'video/mp4' },
      { pipeline: 'settlement', name: 'duo-victory.json', body: battle('duo-victory.log.json'), contentType: 'application/json' },
      { pipeline: 'settlement', name: 'cooldown-and-ghost.json', body: battle('cooldown-and-ghost.log.json'), contentType: 'application/json' },
      { pipeline: 'inference', name: 'cartoon.png', body: await cartoonPng(), contentType: 'image/png' },
    ];
    const tasks = await Promise.all(inputs.map((input) => runtime.upload(runtime.pipeline(input.pipeline)!, input.name, input.body, input.contentType)));
    await Promise.all(tasks.map((t) => t.done));
    const records = await Promise.all(tasks.map((t) => table.settled(t.bucket, t.key, t.uploadedAt, Date.now() + 60_000)));
    for (const record of records) if (record?.resultKey) resultKeys.set(record.input.key, record.resultKey);
    browser = await launchChromium();
    page = await browser.context.newPage();
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await page.goto(consoleServer.url);
    await page.waitForSelector('body[data-ready="true"]');
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await consoleServer?.stop();
    table?.destroy();
    await runtime?.stop();
  });

  const row = (key: string) => page.locator('tr.task', { has: page.locator('td.key', { hasText: key }) });
  /** Opens a task's detail and waits for its pipeline view (an earlier task's view may still be on screen until then). */
  const openDetail = async (key: string) => {
    await row(key).click();
    await expect.poll(() => page.locator('#detail-key').textContent()).toBe(key);
    await expect.poll(() => page.locator('.pipeline-view h3').count()).toBe(1);
    await expect.poll(() => page.locator('#logs .attempt-log').count()).toBeGreaterThan(0);
  };
  const imagesLoaded = (selector: string) =>
    page.locator(selector).evaluateAll((imgs) => imgs.length > 0 && imgs.every((img) => (img as HTMLImageElement).complete && (img as HTMLImageElement).naturalWidth > 0));

  it('lists the tasks newest first with their state, attempts, duration and cost, and counts per state', async () => {
    await expect.poll(() => page.locator('tr.task').count()).toBeGreaterThanOrEqual(9);
    expect(await row('uploads/demo-photo.jpg').getAttribute('data-state')).toBe('succeeded');
    expect(await row('uploads/demo-broken.jpg').getAttribute('data-state')).toBe('failed');
    const cells = await row('uploads/demo-photo.jpg').locator('td').allTextContents();
    expect(cells[1]).toBe('image');
    expect(cells[3]).toBe('1');
    expect(cells[4]).toMatch(/\d+(\.\d+)? (ms|s)/);
    expect(cells[5]).toMatch(/^\$0\.0+\d+/);
    expect(await page.locator('.count[data-state="failed"] .count-n').textContent()).toBe('2');
    expect(Number(await page.locator('.count[data-state="succeeded"] .count-n').textContent())).toBeGreaterThanOrEqual(7);

    await page.selectOption('#filter-state', 'failed');
    expect((await page.locator('tr.task td.key').allTextContents()).sort()).toEqual(['battles/cooldown-and-ghost.json', 'uploads/demo-broken.jpg']);
    await page.selectOption('#filter-pipeline', 'image');
    expect(await page.locator('tr.task td.key').allTextContents()).toEqual(['uploads/demo-broken.jpg']);
    await page.selectOption('#filter-pipeline', '');
    await page.selectOption('#filter-state', '');
    await page.fill('#search', 'ALPHA');
    expect(await page.locator('tr.task td.key').allTextContents()).toEqual(['uploads/demo-alpha.png']);
    await page.fill('#search', '');
    expect(pageErrors).toEqual([]);
  });

  it('shows a hostile key as text, in the detail and in its logs: nothing it names is parsed or run', async () => {
    await expect.poll(() => row(`uploads/${HOSTILE}`).count()).toBe(1);
    await openDetail(`uploads/${HOSTILE}`);
    expect(await page.locator('.image-view figure').count()).toBeGreaterThan(1);
    // The worker's structured lines name the key: they reach the page as text.
    expect(await page.locator('#logs .log-line', { hasText: HOSTILE }).count()).toBeGreaterThan(0);
    expect(await page.locator('img[src="x"]').count()).toBe(0);
    expect(dialogs).toEqual([]);
    expect(await page.evaluate(() => document.body.innerText.includes('<img src=x onerror=alert(1)>.jpg'))).toBe(true);
  });

  it('shows the image view: the source beside each rendition with dimensions and bytes, and the attempt’s logs', async () => {
    await openDetail('uploads/demo-photo.jpg');
    const captions = await page.locator('.image-view figcaption').allTextContents();
    expect(captions[0]).toMatch(/^source2400 × 1600 jpeg\d+(\.\d+)? (KB|MB)$/);
    expect(captions.length).toBeGreaterThan(1);
    for (const caption of captions.slice(1)) expect(caption).toMatch(/\d+ × \d+ \w+.*\d+(\.\d+)? (B|KB|MB)$/);
    // Every picture loaded through the console's media route with its own content type.
    await expect.poll(() => imagesLoaded('.image-view img')).toBe(true);
    expect(await page.locator('#timeline .timeline-track .bar-attempt').count()).toBe(1);
    // The attempt's own invocation: its request id, and the worker's line for this task.
    const requestId = await page.locator('table.attempts tbody tr:first-child td:nth-child(2)').textContent();
    expect(await page.locator('#logs .attempt-log summary').textContent()).toContain(`request ${requestId}`);
    // The worker's structured line for this task: its message, then its own fields.
    const succeeded = page.locator('#logs .attempt-log .log-line', { has: page.locator('.log-message', { hasText: /^Task succeeded$/ }) });
    expect(await succeeded.count()).toBe(1);
    expect((await succeeded.locator('.log-fields').textContent())!.split(' ')).toEqual(expect.arrayContaining(['key=uploads/demo-photo.jpg', 'outcome=succeeded']));
    expect(await succeeded.locator('.log-level').textContent()).toBe('INFO');
    await page.screenshot({ path: join(OUTPUT, 'console-image-detail.png'), fullPage: true });
  });

  it('shows a failed task with its code, and retry makes a second attempt with logs of its own', async () => {
    await openDetail('uploads/demo-broken.jpg');
    await expect.poll(() => page.locator('#failure-code').textContent()).toBe('IMAGE_CORRUPT');
    expect(await page.locator('#retry').isEnabled()).toBe(true);
    expect(await page.locator('#stop').isEnabled()).toBe(false);
    await page.click('#retry');
    await expect.poll(() => page.locator('table.attempts tbody tr').count(), { timeout: 30_000 }).toBe(2);
    await expect.poll(() => page.locator('#detail-state').textContent(), { timeout: 30_000 }).toBe('failed');
    expect(await page.locator('#timeline .timeline-track .bar-attempt').count()).toBe(2);
    expect(await page.locator('table.attempts tbody tr:nth-child(2) td:nth-child(8)').textContent()).toContain('IMAGE_CORRUPT');
    await expect.poll(() => page.locator('#logs .attempt-log').count(), { timeout: 30_000 }).toBe(2);
    const requestIds = await page.locator('table.attempts tbody td:nth-child(2)').allTextContents();
    expect(new Set(requestIds).size).toBe(2);
    for (const [i, requestId] of requestIds.entries()) {
      const attempt = page.locator(`#logs .attempt-log[data-attempt="${i + 1}"]`);
      expect(await attempt.locator('summary').textContent()).toContain(`request ${requestId}`);
      expect(await attempt.locator('.log-line', { hasText: 'IMAGE_CORRUPT' }).count()).toBeGreaterThan(0);
    }
    await page.screenshot({ path: join(OUTPUT, 'console-failed-retried.png'), fullPage: true });
  });

  it('video: the frame strip with times and top labels, merged segments on the time axis, the verdict, the poster and an HLS player', async () => {
    const report = await resultOf<VideoReport>('video', 'videos/clip.mp4');
    expect(report.frames.length).toBeGreaterThan(1);
    expect(report.segments.length).toBeGreaterThan(0);
    expect(report.hls).toBeDefined();
    await openDetail('videos/clip.mp4');
    expect(await page.locator('.frame-strip figcaption').allTextContents()).toEqual(report.frames.map((f) => `${formatDuration(f.timestampMs)}${f.labels[0]!.label} ${f.labels[0]!.score.toFixed(2)}`));
    await expect.poll(() => page.locator('.frame-strip img').evaluateAll((imgs) => imgs.map((img) => (img as HTMLImageElement).naturalWidth))).toEqual(report.frames.map((f) => f.width));
    expect(await page.locator('.verdict strong').textContent()).toBe(report.verdict);
    const durationMs = report.source.durationSeconds! * 1000;
    const bars = await page.locator('.segment-track .segment').evaluateAll((nodes) => nodes.map((n) => [n.textContent, parseFloat((n as HTMLElement).style.left), parseFloat((n as HTMLElement).style.width)]));
    expect(bars.map((b) => b[0])).toEqual(report.segments.map((s) => s.label));
    for (const [i, s] of report.segments.entries()) {
      expect(bars[i]![1]).toBeCloseTo((s.startMs / durationMs) * 100, 3);
      expect(bars[i]![2]).toBeCloseTo(Math.max(0.5, ((s.endMs - s.startMs) / durationMs) * 100), 3);
    }
    expect(await page.locator('.video-view .picture img').getAttribute('alt')).toBe(report.poster!.key);
    // Chromium plays the HLS rendition itself, its playlist and segments through the media route.
    expect(await page.locator('a.hls-master').getAttribute('href')).toBe(`/console/media/${runtime.pipeline('video')!.resultsBucket}/${report.hls!.masterKey}`);
    await expect.poll(() => page.locator('#hls-player').evaluate((v) => (v as HTMLVideoElement).duration), { timeout: 20_000 }).toBeCloseTo(report.source.durationSeconds!, 0);
    await page.screenshot({ path: join(OUTPUT, 'console-video-detail.png'), fullPage: true });
  });

  it('settlement: winner, rewards and balances of a settled battle', async () => {
    const settled = await resultOf<SettlementDocument>('settlement', 'battles/duo-victory.json');
    await openDetail('battles/duo-victory.json');
    expect(await page.locator('.winner strong').textContent()).toBe(settled.winner);
    const rows = await page.locator('table.players tbody tr').evaluateAll((trs) => trs.map((tr) => Array.from(tr.querySelectorAll('td'), (td) => td.textContent)));
    expect(rows.map((r) => [r[0], r[6], r[7]])).toEqual(settled.players.map((p) => [p.playerId, formatGrant(p.rewards), formatGrant(p.ledger)]));
    // Balances are the ledger's after the grant, not the rewards again: items and all.
    for (const p of settled.players) expect(p.ledger!.xp).toBeGreaterThanOrEqual(p.rewards.xp);
    expect(rows[0]![6]).toMatch(/^xp \d+ · gold \d+ · wolf-pelt ×1$/);
    await page.screenshot({ path: join(OUTPUT, 'console-settlement-detail.png'), fullPage: true });
  });

  it('settlement: a rejected battle lists each reason against the action it points to', async () => {
    const log = JSON.parse(readFileSync(join(BATTLES, 'cooldown-and-ghost.log.json'), 'utf8')) as { actions: unknown[] };
    await openDetail('battles/cooldown-and-ghost.json');
    expect(await page.locator('#failure-code').textContent()).toBe('BATTLE_CHEAT_COOLDOWN');
    const reasons = page.locator('.rejections li');
    expect(await reasons.evaluateAll((lis) => lis.map((li) => li.getAttribute('data-code')))).toEqual(['BATTLE_CHEAT_COOLDOWN', 'BATTLE_CHEAT_ACTOR']);
    expect(await reasons.locator('pre.action').allTextContents()).toEqual([`actions[1]: ${JSON.stringify(log.actions[1])}`, `actions[5]: ${JSON.stringify(log.actions[5])}`]);
    expect(await reasons.nth(1).textContent()).toContain("actor 'ghost' is not in the battle");
    await page.screenshot({ path: join(OUTPUT, 'console-settlement-rejected.png'), fullPage: true });
  });

  it('inference: the image with its top-K classes as bars', async () => {
    const job = await resultOf<JobDocument>('inference', 'jobs/cartoon.png');
    const top = job.images[0]!.status === 'succeeded' ? job.images[0]!.top : [];
    expect(top.length).toBeGreaterThan(1);
    await openDetail('jobs/cartoon.png');
    expect(await page.locator('.inference .class-bar .label').allTextContents()).toEqual(top.map((c) => `${c.label} ${(c.probability * 100).toFixed(1)}%`));
    const widths = await page.locator('.inference .class-bar .fill').evaluateAll((nodes) => nodes.map((n) => parseFloat((n as HTMLElement).style.width)));
    for (const [i, c] of top.entries()) expect(widths[i]).toBeCloseTo(c.probability * 100, 3);
    await expect.poll(() => page.locator('.inference img').evaluate((img) => (img as HTMLImageElement).naturalWidth)).toBe(448);
    await page.screenshot({ path: join(OUTPUT, 'console-inference-detail.png'), fullPage: true });
    expect(pageErrors).toEqual([]);
  });

  it('uploads a dropped file to the pipeline its content names, and shows it through to succeeded', async () => {
    const bytes = (await photoJpeg(640, 480)).toString('base64');
    const drop = await page.evaluateHandle((data) => {
      const transfer = new DataTransfer();
      const binary = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
      transfer.items.add(new File([binary], 'dropped-photo.jpg', { type: 'image/jpeg' }));
      return transfer;
    }, bytes);
    await page.dispatchEvent('#drop', 'drop', { dataTransfer: drop });
    await expect.poll(() => page.locator('#upload-note').textContent()).toContain('dropped-photo.jpg → image');
    await expect.poll(() => row('uploads/dropped-photo.jpg').getAttribute('data-state'), { timeout: 30_000 }).toBe('succeeded');
  });

  it('draws the cost panel from the measured tasks', async () => {
    await page.reload();
    await page.waitForSelector('svg.cost-chart rect.bar-lambda');
    const text = await page.locator('#cost').textContent();
    for (const pipeline of ['image', 'video', 'settlement', 'inference']) expect(text).toContain(pipeline);
    expect(text).toMatch(/per 1 000 tasks/);
    expect(text).toMatch(/\/ month always on \(\d+(\.\d+)? vCPU/);
    expect(await page.locator('svg.gbs-chart polyline').getAttribute('points')).toMatch(/\d+\.\d,\d+\.\d .+/);
    await openDetail('videos/clip.mp4');
    await expect.poll(() => imagesLoaded('.frame-strip img')).toBe(true);
    await page.screenshot({ path: join(OUTPUT, 'console.png'), fullPage: false });
  });

  it('refuses a rebinding Host, a foreign Origin, and media outside the pipelines', async () => {
    const port = new URL(consoleServer.url).port;
    expect((await raw(port, '/console', { host: 'evil.example:' + port })).status).toBe(403);
    expect((await raw(port, '/console/api/tasks', { host: `127.0.0.1:${port}`, origin: 'http://evil.example' })).status).toBe(403);
    expect((await raw(port, '/console/api/tasks', { host: `127.0.0.1:${port}`, origin: 'http://127.0.0.1:1' })).status).toBe(403);
    expect((await raw(port, '/console/api/tasks', { host: `localhost:${port}`, origin: `http://localhost:${port}` })).status).toBe(200);
    const route = runtime.pipeline('image')!;
    const outside = await raw(port, `/console/api/media?bucket=${route.resultsBucket}&key=${encodeURIComponent('failures/uploads/demo-broken.jpg.json')}`, { host: `127.0.0.1:${port}` });
    expect(outside.status).toBe(403);
    expect(JSON.parse(outside.body).error.code).toBe('CONSOLE_FORBIDDEN');
    expect((await raw(port, '/console/../../etc/passwd', { host: `127.0.0.1:${port}` })).status).toBe(404);
    const inside = await raw(port, `/console/api/media?bucket=${route.ingestBucket}&key=${encodeURIComponent('uploads/demo-photo.jpg')}`, { host: `127.0.0.1:${port}` });
    expect(inside.status).toBe(200);
    expect(inside.headers['content-type']).toBe('image/jpeg');
    expect(inside.headers['content-security-policy']).toContain('sandbox');
    const pageAnswer = await raw(port, '/console', { host: `127.0.0.1:${port}` });
    expect(pageAnswer.headers['content-security-policy']).toMatch(/^default-src 'self'/);
  });
});

function raw(port: string, path: string, headers: Record<string, string>): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const request = httpRequest({ host: '127.0.0.1', port: Number(port), path, headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (c: Buffer) => chunks.push(c));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    request.on('error', reject);
    request.end();
  });
}
