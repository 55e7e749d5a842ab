import sharp from 'sharp';
import { formatBattleLog } from '../../../functions/battle-settlement/format-log.ts';
import { simulateBattle } from '../../../functions/battle-settlement/simulator.ts';

export interface DemoInput {
  readonly name: string;
  readonly what: string;
  readonly body: Buffer;
  readonly contentType: string;
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
