import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { ImageManifest } from '../../functions/image-transcode/manifest.ts';
import { transcodeOptionsSchema } from '../../functions/image-transcode/options.ts';
import { EnvName } from '../../functions/shared/env-names.ts';
import { LocalRuntime } from '../../lib/local/runtime.ts';
import type { Task } from '../../lib/local/tasks/outcome-tracker.ts';
import { alphaPng, animatedGif, photoJpeg, truncatedJpeg } from '../fixtures/images.ts';
import { presetAssembly } from './helpers/assemblies.ts';
import { listeningSockets } from './helpers/listening-sockets.ts';

/** The image pipeline of the `all` preset, synthesized by cdk and run by the local runtime. */
describe('image pipeline through the local runtime', () => {
  let runtime: LocalRuntime;
  const terminal: Task[] = [];
  const errors: Error[] = [];

  beforeAll(async () => {
    runtime = await LocalRuntime.start({ assemblyDirectory: await presetAssembly('all'), onError: (e) => errors.push(e) });
    runtime.tracker.onTerminal((task) => terminal.push(task));
  }, 240_000);
  afterAll(async () => {
    await runtime?.stop();
  });

  const route = () => runtime.pipeline('image')!;
  const read = async (key: string): Promise<Buffer> => {
    const object = await runtime.s3.send(new GetObjectCommand({ Bucket: route().resultsBucket, Key: key }));
    return Buffer.from(await object.Body!.transformToByteArray());
  };
  const manifestOf = async (task: Task): Promise<ImageManifest> => JSON.parse((await read(task.resultKey)).toString()) as ImageManifest;

  it('turns a photo, a transparent PNG and an animated GIF into the preset renditions', async () => {
    const inputs: [string, Buffer][] = [
      ['photo.jpg', await photoJpeg(1600, 1200)],
      ['alpha.png', await alphaPng()],
      ['animated.gif', await animatedGif(4, 48)],
    ];
    const tasks = await Promise.all(inputs.map(([name, body]) => runtime.upload(route(), name, body)));
    const done = await Promise.all(tasks.map((t) => t.done));
    expect(done.map((t) => [t.key, t.status, t.attempts])).toEqual([
      ['uploads/photo.jpg', 'succeeded', 1],
      ['uploads/alpha.png', 'succeeded', 1],
      ['uploads/animated.gif', 'succeeded', 1],
    ]);

    // What the preset asked for, read from the function's own settings in the assembly.
    const settings = transcodeOptionsSchema.parse(JSON.parse(runtime.hosts.get(route().functionName)!.spec.environment[EnvName.PIPELINE_SETTINGS]!));
    const photo = await manifestOf(done[0]!);
    expect(photo.source).toMatchObject({ format: 'jpeg', width: 1600, height: 1200 });
    expect(photo.renditions.map((r) => r.name)).toEqual(settings.renditions.map((r) => r.name));
    for (const [i, rendition] of photo.renditions.entries()) {
      const asked = settings.renditions[i]!;
      expect(rendition.key).toBe(`image/photo.jpg/${rendition.name}.${rendition.format === 'jpeg' ? 'jpg' : rendition.format}`);
      if (asked.format !== 'original') expect(rendition.format).toBe(asked.format);
      if (asked.width && asked.height && asked.fit === 'cover') expect([rendition.width, rendition.height]).toEqual([asked.width, asked.height]);
      if (asked.width) expect(rendition.width).toBeLessThanOrEqual(asked.width);
      if (asked.height) expect(rendition.height).toBeLessThanOrEqual(asked.height);
      const bytes = await read(rendition.key);
      expect(bytes.length).toBe(rendition.bytes);
      const meta = await sharp(bytes).metadata();
      expect([meta.format, meta.width, meta.height]).toEqual([rendition.format, rendition.width, rendition.height]);
      const head = await runtime.s3.send(new HeadObjectCommand({ Bucket: route().resultsBucket, Key: rendition.key }));
      expect(head.ContentType).toBe(rendition.contentType);
    }

    const gif = await manifestOf(done[2]!);
    const animated = gif.renditions.find((r) => r.format === 'webp' || r.format === 'gif');
    expect(animated, 'the preset keeps an animation-capable rendition').toBeDefined();
    expect(animated!.frames).toBe(4);
    expect((await sharp(await read(animated!.key), { animated: true }).metadata()).pages).toBe(4);

    const alpha = await manifestOf(done[1]!);
    expect(alpha.source.hasAlpha).toBe(true);
    const withAlpha = alpha.renditions.find((r) => ['webp', 'png', 'avif'].includes(r.format));
    expect(withAlpha, 'the preset keeps an alpha-capable rendition').toBeDefined();
    expect((await sharp(await read(withAlpha!.key)).metadata()).hasAlpha).toBe(true);
  });

  it('keeps keys with spaces, unicode and + intact from upload to result', async () => {
    const body = await photoJpeg(320, 240);
    const names = ['summer holiday.jpg', 'café ☕ 東京.jpg', 'a+b=c&d.jpg'];
    const done = await Promise.all((await Promise.all(names.map((n) => runtime.upload(route(), n, body)))).map((t) => t.done));
    for (const [i, name] of names.entries()) {
      expect(done[i]).toMatchObject({ status: 'succeeded', key: `uploads/${name}`, resultKey: `image/${name}/manifest.json` });
      const manifest = await manifestOf(done[i]!);
      expect(manifest.input.key).toBe(`uploads/${name}`);
      expect(manifest.renditions[0]!.key.startsWith(`image/${name}/`)).toBe(true);
    }
  });

  it('answers a corrupt file with its failure record, without retrying it', async () => {
    const task = await (await runtime.upload(route(), 'broken.jpg', await truncatedJpeg())).done;
    expect(task).toMatchObject({ status: 'failed', attempts: 1, error: { code: 'IMAGE_CORRUPT' } });
    const record = JSON.parse((await read('failures/uploads/broken.jpg.json')).toString()) as Record<string, unknown>;
    expect(record).toMatchObject({ input: { bucket: route().ingestBucket, key: 'uploads/broken.jpg' }, pipeline: 'image', code: 'IMAGE_CORRUPT' });
    expect(runtime.tasks.invocationsFor('uploads/broken.jpg').map((r) => r.attempt)).toEqual([1]);
  });

  it('ends a task superseded when its object is overwritten before it is read; the newer upload keeps its outputs', async () => {
    const older = await runtime.upload(route(), 'overwritten.jpg', await photoJpeg(400, 300));
    // Uploaded while the first event waits in the queue (the batching window holds it ~1 s).
    const newer = await runtime.upload(route(), 'overwritten.jpg', await photoJpeg(200, 100));
    const [a, b] = await Promise.all([older.done, newer.done]);
    expect(a).toMatchObject({ status: 'superseded', end: 'superseded', attempts: 1 });
    expect(b).toMatchObject({ status: 'succeeded', attempts: 1 });
    const manifest = await manifestOf(b);
    expect(manifest.source).toMatchObject({ width: 200, height: 100 });
    expect(manifest.input.sequencer).toBe(b.sequencer);
    for (const rendition of manifest.renditions) expect((await read(rendition.key)).length).toBe(rendition.bytes);
    // No failure record: superseded is not a failure.
    await expect(read('failures/uploads/overwritten.jpg.json')).rejects.toMatchObject({ name: 'NoSuchKey' });
    const superseded = runtime.tasks
      .invocationsFor('uploads/overwritten.jpg')
      .flatMap((r) => r.logs ?? [])
      .map((line) => JSON.parse(line.text) as { outcome?: string; sequencer?: string });
    expect(superseded.filter((l) => l.outcome === 'superseded').map((l) => l.sequencer)).toEqual([a.sequencer]);
  });

  it('ends 200 uploads in a burst as 200 terminal outcomes, none lost and none reported twice', async () => {
    const body = await photoJpeg(96, 64, 70);
    const names = Array.from({ length: 200 }, (_, i) => `burst/${String(i).padStart(3, '0')}.jpg`);
    const before = terminal.length;
    const tasks = await Promise.all(names.map((name) => runtime.upload(route(), name, body)));
    const done = await Promise.all(tasks.map((t) => t.done));
    expect(done.every((t) => t.status === 'succeeded')).toBe(true);
    expect(new Set(done.map((t) => t.key)).size).toBe(200);

    // Every terminal report of the burst, exactly one per upload.
    const reported = terminal.slice(before).map((t) => t.key).sort();
    expect(reported).toEqual(names.map((n) => `uploads/${n}`).sort());

    // No retry happened, so each key was handed to exactly one invocation, on its first delivery.
    for (const task of done) {
      expect(task.attempts).toBe(1);
      const invocations = runtime.tasks.invocationsFor(task.key, task.bucket);
      expect(invocations, task.key).toHaveLength(1);
      expect(invocations[0]!.inputs.filter((input) => input.key === task.key)).toEqual([expect.objectContaining({ attempt: 1 })]);
    }

    const manifests = await runtime.s3.send(new ListObjectsV2Command({ Bucket: route().resultsBucket, Prefix: 'image/burst/', MaxKeys: 1000 }));
    expect(manifests.Contents!.filter((o) => o.Key!.endsWith('/manifest.json'))).toHaveLength(200);
    // A batch's messages are deleted just after its last manifest is written.
    await vi.waitFor(() => expect(runtime.queueDepth(route().queueName!)).toEqual({ visible: 0, inFlight: 0, delayed: 0 }));
    expect(runtime.queueDepth(runtime.deadLetterQueueOf(route().queueName!)!)).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
  }, 120_000);

  it('records every invocation: request id, keys, timings, memory and Powertools logs', () => {
    const record = runtime.tasks.invocationsFor('uploads/photo.jpg')[0]!;
    const memoryMb = runtime.hosts.get(route().functionName)!.spec.memoryMb;
    expect(record).toMatchObject({ function: route().functionName, source: route().queueName, attempt: 1, outcome: 'succeeded', memoryMb });
    expect(record.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(record.billedDurationMs).toBeGreaterThanOrEqual(Math.ceil(record.durationMs!));
    expect(record.peakMemoryMb).toBeGreaterThan(0);
    const lines = record.logs!.map((l) => JSON.parse(l.text) as Record<string, unknown>);
    expect(lines).toContainEqual(expect.objectContaining({ level: 'INFO', message: 'Task succeeded', key: 'uploads/photo.jpg', service: 'image' }));
    expect(errors).toEqual([]);
  });

  it('listens on loopback only, with every function instance running', () => {
    expect(runtime.hosts.get(route().functionName)!.instanceCount).toBeGreaterThan(0);
    const sockets = listeningSockets();
    expect(sockets.map((s) => s.port)).toContain(Number(new URL(runtime.endpoint).port));
    expect(sockets.filter((s) => s.address !== '127.0.0.1')).toEqual([]);
  });
});
