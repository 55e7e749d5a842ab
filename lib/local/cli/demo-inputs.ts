import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { formatBattleLog } from '../../../functions/battle-settlement/format-log.ts';
import { simulateBattle } from '../../../functions/battle-settlement/simulator.ts';
import { loadBinaries } from '../../../functions/shared/ffmpeg/binaries.ts';
import { PROJECT_ROOT } from '../../pipelines/paths.ts';

export interface DemoInput {
  readonly name: string;
  readonly what: string;
  readonly body: Buffer;
  readonly contentType: string;
  /** A one-line summary of the input's result document, printed once it succeeded. @default none */
  readonly describe?: (result: unknown) => string;
}

/**
 * Inputs that show what the image pipeline does with a photo, transparency, animation, and a
 * file it must refuse. Generated, so the demo ships no binaries.
 */
export async function imageDemoInputs(): Promise<DemoInput[]> {
  const photo = await sharp({
    create: { width: 2400, height: 1600, channels: 3, background: '#3b7dd8', noise: { type: 'gaussian', mean: 128, sigma: 30 } },
  })
    .jpeg({ quality: 85 })
    .toBuffer();
  const alpha = await sharp({ create: { width: 640, height: 640, channels: 4, background: { r: 230, g: 80, b: 40, alpha: 0.5 } } })
    .png()
    .toBuffer();
  const size = 96;
  const frames = 6;
  const raw = Buffer.alloc(size * size * frames * 3);
  for (let f = 0; f < frames; f++) raw.fill(Math.round((255 * f) / (frames - 1)), f * size * size * 3, (f + 1) * size * size * 3);
  const gif = await sharp(raw, { raw: { width: size, height: size * frames, channels: 3, pageHeight: size } })
    .gif({ delay: 120, loop: 0 })
    .toBuffer();
  const broken = photo.subarray(0, Math.floor(photo.length / 3));
  return [
    { name: 'demo-photo.jpg', what: 'a 2400x1600 photo-like JPEG', body: photo, contentType: 'image/jpeg' },
    { name: 'demo-alpha.png', what: 'a PNG with transparency', body: alpha, contentType: 'image/png' },
    { name: 'demo-animated.gif', what: `an animated GIF (${frames} frames)`, body: gif, contentType: 'image/gif' },
    { name: 'demo-broken.jpg', what: 'a truncated JPEG (shows a failure record)', body: Buffer.from(broken), contentType: 'image/jpeg' },
  ];
}

/**
 * Settlement demo: a sampled battle, the same log again (answered `duplicate`, nothing granted
 * twice) and a copy whose claimed result was flipped (a failure record naming BATTLE_CHEAT_RESULT).
 */
export function settlementDemoInputs(): Promise<DemoInput[]> {
  const log = simulateBattle({ seed: 2026 });
  const flipped = { ...log, claimed: { ...log.claimed, result: log.claimed.result === 'victory' ? ('defeat' as const) : ('victory' as const) } };
  const json = (text: string) => ({ body: Buffer.from(text), contentType: 'application/json' });
  return Promise.resolve([
    { name: 'demo-battle.json', what: `a sampled battle (${log.battleId})`, ...json(formatBattleLog(log)) },
    { name: 'demo-battle-again.json', what: 'the same log again (settles as duplicate: granted once)', ...json(formatBattleLog(log)) },
    { name: 'demo-battle-flipped.json', what: 'the log with its result flipped (shows BATTLE_CHEAT_RESULT)', ...json(formatBattleLog(flipped)) },
  ]);
}

/**
 * The video pipeline's demo: a 6 s 640x360 clip with a tone (frames, a report, and HLS under the
 * film preset) and an audio-only file it must refuse. Made by the packaged static ffmpeg on first
 * use and cached under .media-kit/demo/, so the demo ships no binaries and later starts are instant.
 */
export async function videoDemoInputs(): Promise<DemoInput[]> {
  const dir = join(PROJECT_ROOT, '.media-kit', 'demo');
  mkdirSync(dir, { recursive: true });
  const ffmpeg = loadBinaries().ffmpeg;
  const make = async (name: string, args: string[]): Promise<Buffer> => {
    const file = join(dir, name);
    if (!existsSync(file)) {
      const partial = `${file}.${process.pid}.partial${name.slice(name.lastIndexOf('.'))}`;
      await promisify(execFile)(ffmpeg, ['-hide_banner', '-loglevel', 'error', '-y', ...args, partial]);
      renameSync(partial, file);
    }
    return readFileSync(file);
  };
  const tone = (seconds: number) => ['-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=22050:duration=${seconds}`];
  const clip = await make('demo-clip-v1.mp4', [
    '-f', 'lavfi', '-i', 'testsrc2=size=640x360:rate=15:duration=6', ...tone(6),
    '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-g', '30', '-c:a', 'aac', '-b:a', '48k', '-shortest', '-movflags', '+faststart',
  ]);
  const audio = await make('demo-voice-memo-v1.m4a', [...tone(2), '-c:a', 'aac', '-b:a', '48k']);
  return [
    { name: 'demo-clip.mp4', what: 'a 6 s 640x360 H.264 clip with a tone', body: clip, contentType: 'video/mp4' },
    { name: 'demo-voice-memo.m4a', what: 'an audio-only MP4 (shows a failure record)', body: audio, contentType: 'audio/mp4' },
  ];
}

/**
 * The inference pipeline's demo: a generated image as a one-image job, and a manifest job naming
 * two generated images (uploaded under the ingest prefix, so each is also a job of its own). The
 * manifest's images are the first inputs, so they exist before the manifest names them.
 */
export async function inferenceDemoInputs(): Promise<DemoInput[]> {
  const poster = await sharp({
    create: { width: 800, height: 600, channels: 3, background: '#f2c14e', noise: { type: 'gaussian', mean: 150, sigma: 25 } },
  })
    .composite([{ input: Buffer.from('<svg width="800" height="600"><circle cx="400" cy="300" r="180" fill="#2d6a4f"/><rect x="80" y="60" width="200" height="120" fill="#d62828"/></svg>'), top: 0, left: 0 }])
    .jpeg({ quality: 85 })
    .toBuffer();
  const flat = await sharp({ create: { width: 320, height: 320, channels: 3, background: '#4a90d9' } }).png().toBuffer();
  const manifest = { images: ['jobs/demo-batch/poster.jpg', 'jobs/demo-batch/flat.png', 'jobs/demo-batch/missing.jpg'], topK: 2 };
  const describe = (result: unknown): string => {
    const job = result as { status: string; model: { name: string; sha256: string }; images: { key: string; status: string; top?: { label: string; probability: number }[]; error?: { code: string } }[] };
    const images = job.images.map((image) =>
      image.top ? `${image.key.split('/').pop()}: ${image.top.map((t) => `${t.label} ${(t.probability * 100).toFixed(1)}%`).join(', ')}` : `${image.key.split('/').pop()}: ${image.error?.code}`,
    );
    return `${job.status} on ${job.model.name} (sha256 ${job.model.sha256.slice(0, 12)}…) — ${images.join('; ')}`;
  };
  return [
    { name: 'demo-batch/poster.jpg', what: 'a generated 800x600 poster (one-image job)', body: poster, contentType: 'image/jpeg', describe },
    { name: 'demo-batch/flat.png', what: 'a flat blue PNG', body: flat, contentType: 'image/png', describe },
    {
      name: 'demo-batch.json',
      what: 'a job manifest of both images plus a missing one (partial success)',
      body: Buffer.from(JSON.stringify(manifest)),
      contentType: 'application/json',
      describe,
    },
  ];
}
