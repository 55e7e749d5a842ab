/// <reference lib="dom" />
import { request as httpRequest } from 'node:http';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startConsole, type RunningConsole } from '../../lib/console/server.ts';
import { localCredentials } from '../../lib/local/emulators/loopback.ts';
import { LocalRuntime } from '../../lib/local/runtime.ts';
import { imageDemoInputs } from '../../lib/local/cli/demo-inputs.ts';
import { photoJpeg } from '../fixtures/images.ts';
import { presetAssembly, PROJECT_ROOT } from '../integration/helpers/assemblies.ts';
import { launchChromium } from './helpers/chromium.ts';
import { SEEDED, seedPipelineTasks } from './helpers/seeded-pipelines.ts';
import { LocalTaskTable, TASK_API_URL_OUTPUT, TASK_TABLE_OUTPUT } from '../../lib/local/tasks/task-table-reader.ts';

const OUTPUT = join(PROJECT_ROOT, 'test-output');
const HOSTILE = '<img src=x onerror=alert(1)>.jpg';

/** The console in Debian's Chromium over the image pipeline run by the local runtime. */
describe('console in a real browser', () => {
  let runtime: LocalRuntime;
  // The runtime's own task API and task table: what `media-kit dev` serves the console.
  let taskApi: { url: string; ledger: LocalTaskTable['ledger'] };
  let table: LocalTaskTable;
  let consoleServer: RunningConsole;
  let browser: Awaited<ReturnType<typeof launchChromium>>;
  let page: Page;
  const dialogs: string[] = [];
  const pageErrors: string[] = [];

  beforeAll(async () => {
    mkdirSync(OUTPUT, { recursive: true });
    runtime = await LocalRuntime.start({ assemblyDirectory: await presetAssembly('all') });
    table = new LocalTaskTable(runtime.dynamoDbEndpoint!, runtime.region, runtime.stackOutput(TASK_TABLE_OUTPUT)!);
    taskApi = { url: runtime.stackOutput(TASK_API_URL_OUTPUT)!, ledger: table.ledger };
    consoleServer = await startConsole({
      taskApi: { url: taskApi.url, region: runtime.region, credentials: localCredentials() },
      s3: runtime.s3,
      pipelines: runtime.pipelines.map((p) => ({ ...p, ...(p.id === 'image' ? { resultDocument: 'manifest.json' } : {}) })),
      upload: async (file) => {
        const task = await runtime.upload(runtime.pipeline(file.pipeline)!, file.name, file.bytes, file.contentType);
        return { bucket: task.bucket, key: task.key };
      },
      pollMs: 500,
    });
    const route = runtime.pipeline('image')!;
    // The demo `media-kit dev` uploads, and a key built to run script if it were ever parsed as markup.
    const demo = [...(await imageDemoInputs()), { name: HOSTILE, body: await photoJpeg(320, 240), contentType: 'image/jpeg' }];
    const tasks = await Promise.all(demo.map((input) => runtime.upload(route, input.name, input.body, input.contentType)));
    await Promise.all(tasks.map((t) => t.done));
    await Promise.all(tasks.map((t) => table.settled(t.bucket, t.key, t.uploadedAt, Date.now() + 60_000)));
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
  };

  it('lists the tasks newest first with their state, attempts, duration and cost, and counts per state', async () => {
    await expect.poll(() => page.locator('tr.task').count()).toBeGreaterThanOrEqual(5);
    expect(await row('uploads/demo-photo.jpg').getAttribute('data-state')).toBe('succeeded');
    expect(await row('uploads/demo-broken.jpg').getAttribute('data-state')).toBe('failed');
    const cells = await row('uploads/demo-photo.jpg').locator('td').allTextContents();
    expect(cells[1]).toBe('image');
    expect(cells[3]).toBe('1');
    expect(cells[4]).toMatch(/\d+(\.\d+)? (ms|s)/);
    expect(cells[5]).toMatch(/^\$0\.0+\d+/);
    expect(await page.locator('.count[data-state="failed"] .count-n').textContent()).toBe('1');
    expect(Number(await page.locator('.count[data-state="succeeded"] .count-n').textContent())).toBeGreaterThanOrEqual(3);

    await page.selectOption('#filter-state', 'failed');
    expect(await page.locator('tr.task td.key').allTextContents()).toEqual(['uploads/demo-broken.jpg']);
    await page.selectOption('#filter-state', '');
    await page.fill('#search', 'ALPHA');
    expect(await page.locator('tr.task td.key').allTextContents()).toEqual(['uploads/demo-alpha.png']);
    await page.fill('#search', '');
    expect(pageErrors).toEqual([]);
  });

  it('shows a hostile key as text: nothing it names is parsed or run', async () => {
    await expect.poll(() => row(`uploads/${HOSTILE}`).count()).toBe(1);
    await openDetail(`uploads/${HOSTILE}`);
    expect(await page.locator('.image-view figure').count()).toBeGreaterThan(1);
    expect(await page.locator('img[src="x"]').count()).toBe(0);
    expect(dialogs).toEqual([]);
    expect(await page.evaluate(() => document.body.innerText.includes('<img src=x onerror=alert(1)>.jpg'))).toBe(true);
  });

  it('shows the image view: the source beside each rendition with dimensions and bytes', async () => {
    await openDetail('uploads/demo-photo.jpg');
    const captions = await page.locator('.image-view figcaption').allTextContents();
    expect(captions[0]).toMatch(/^source2400 × 1600 jpeg\d+(\.\d+)? (KB|MB)$/);
    expect(captions.length).toBeGreaterThan(1);
    for (const caption of captions.slice(1)) expect(caption).toMatch(/\d+ × \d+ \w+.*\d+(\.\d+)? (B|KB|MB)$/);
    // Every picture loaded through the console's media route with its own content type.
    await expect.poll(() => page.locator('.image-view img').evaluateAll((imgs) => imgs.every((img) => (img as HTMLImageElement).complete && (img as HTMLImageElement).naturalWidth > 0))).toBe(true);
    expect(await page.locator('#timeline .timeline-track .bar-attempt').count()).toBe(1);
    await page.screenshot({ path: join(OUTPUT, 'console-image-detail.png'), fullPage: true });
  });

  it('shows a failed task with its code, and retry makes a second attempt', async () => {
    await openDetail('uploads/demo-broken.jpg');
    await expect.poll(() => page.locator('#failure-code').textContent()).toBe('IMAGE_CORRUPT');
    expect(await page.locator('#retry').isEnabled()).toBe(true);
    expect(await page.locator('#stop').isEnabled()).toBe(false);
    await page.click('#retry');
    await expect.poll(() => page.locator('table.attempts tbody tr').count(), { timeout: 30_000 }).toBe(2);
    await expect.poll(() => page.locator('#detail-state').textContent(), { timeout: 30_000 }).toBe('failed');
    expect(await page.locator('#timeline .timeline-track .bar-attempt').count()).toBe(2);
    expect(await page.locator('table.attempts tbody tr:nth-child(2) td:nth-child(8)').textContent()).toContain('IMAGE_CORRUPT');
    await page.screenshot({ path: join(OUTPUT, 'console-failed-retried.png'), fullPage: true });
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
    expect(text).toMatch(/image/);
    expect(text).toMatch(/per 1 000 tasks/);
    expect(text).toMatch(/\/ month always on \(\d+(\.\d+)? vCPU/);
    expect(await page.locator('svg.gbs-chart polyline').getAttribute('points')).toMatch(/\d+\.\d,\d+\.\d .+/);
    await openDetail('uploads/demo-photo.jpg');
    await expect.poll(() => page.locator('.image-view img').evaluateAll((imgs) => imgs.every((img) => (img as HTMLImageElement).complete))).toBe(true);
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

  describe('the other pipelines’ views, over documents in their cores’ shapes', () => {
    let seededConsole: RunningConsole;
    beforeAll(async () => {
      await seedPipelineTasks(runtime, taskApi.ledger);
      seededConsole = await startConsole({
        taskApi: { url: taskApi.url, region: runtime.region, credentials: localCredentials() },
        s3: runtime.s3,
        pipelines: SEEDED,
        upload: () => Promise.reject(new Error('no uploads here')),
      });
      await page.goto(seededConsole.url);
      await page.waitForSelector('body[data-ready="true"]');
    });
    afterAll(async () => {
      await seededConsole?.stop();
    });

    it('video: frame strip with times and top labels, the segment on its axis, the verdict, the playlist', async () => {
      await openDetail('videos/clip.mp4');
      expect(await page.locator('.frame-strip figcaption').allTextContents()).toEqual(['0 msNeutral 0.93', '5.00 sSexy 0.81', '10.0 sNeutral 0.97']);
      expect(await page.locator('.verdict strong').textContent()).toBe('review');
      const segment = page.locator('.segment-track .segment');
      expect(await segment.textContent()).toBe('Sexy');
      expect(await segment.evaluate((node) => [(node as HTMLElement).style.left, (node as HTMLElement).style.width])).toEqual(['33.3333%', '33.3333%']);
      expect(await page.locator('.video-view a').getAttribute('href')).toBe('/console/media/seed-results/video/clip.mp4/hls/master.m3u8');
      await expect.poll(() => page.locator('.frame-strip img').evaluateAll((imgs) => imgs.every((img) => (img as HTMLImageElement).naturalWidth === 320))).toBe(true);
      await page.screenshot({ path: join(OUTPUT, 'console-video-detail.png'), fullPage: true });
    });

    it('settlement: winner, rewards and balances; a rejection listed against its action', async () => {
      await openDetail('battles/b-1.json');
      expect(await page.locator('.winner').textContent()).toBe('winner: players (victory)');
      expect(await page.locator('table.players tbody tr').count()).toBe(2);
      expect(await page.locator('table.players tbody tr:first-child').textContent()).toContain('{"xp":1120,"gold":340}');
      await page.screenshot({ path: join(OUTPUT, 'console-settlement-detail.png'), fullPage: true });
      await openDetail('battles/b-2.json');
      expect(await page.locator('#failure-code').textContent()).toBe('BATTLE_CHEAT_COOLDOWN');
      await expect.poll(() => page.locator('.rejections li pre.action').textContent()).toBe('action 1: {"t":40,"actor":"p-1","kind":"skill","skill":"fireball"}');
      await page.screenshot({ path: join(OUTPUT, 'console-settlement-rejected.png'), fullPage: true });
    });

    it('inference: the image with its top-K classes as bars', async () => {
      await openDetail('jobs/poster.jpg');
      expect(await page.locator('.inference .class-bar .label').allTextContents()).toEqual(['Drawing 62.0%', 'Neutral 31.0%', 'Hentai 4.0%']);
      expect(await page.locator('.inference .class-bar .fill').first().evaluate((node) => (node as HTMLElement).style.width)).toBe('62%');
      await expect.poll(() => page.locator('.inference img').evaluate((img) => (img as HTMLImageElement).naturalWidth)).toBe(300);
      await page.screenshot({ path: join(OUTPUT, 'console-inference-detail.png'), fullPage: true });
      expect(pageErrors).toEqual([]);
    });
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
