import { describe, expect, it } from 'vitest';
import { loadKitConfig } from '../../../lib/presets/index.ts';

describe('video presets', () => {
  it('education takes live segments, film slices HLS, consumer-electronics makes posters, all has the defaults', () => {
    const video = (preset: string) => loadKitConfig({ preset }).pipelines.video!;
    expect(video('education')).toMatchObject({ ingestPrefix: 'videos/', outputPrefix: 'video/', liveSegments: { enabled: true, extensions: ['.ts', '.flv'] }, hls: { enabled: false } });
    expect(video('film')).toMatchObject({ strategy: 'scene', hls: { enabled: true, segmentSeconds: 6, renditions: [{ name: '360p' }, { name: '720p' }] }, poster: { enabled: false } });
    expect(video('consumer-electronics')).toMatchObject({ strategy: 'keyframes', poster: { enabled: true }, hls: { enabled: false } });
    expect(video('all')).toMatchObject({ strategy: 'interval', intervalSeconds: 5, maxFrames: 60, memorySize: 2048, timeoutSeconds: 900, batchSize: 1, moderation: { provider: 'nsfwjs' } });
    for (const preset of ['education', 'film', 'consumer-electronics', 'all']) {
      expect(video(preset).quarantine).toEqual({ enabled: true, prefix: 'quarantine/', tagOriginal: true });
      expect(video(preset).events.verdicts).toEqual(['review', 'block']);
    }
    expect(loadKitConfig({ preset: 'games' }).pipelines.video).toBeUndefined();
  });

  it('a JSON override reaches nested settings and is validated', () => {
    const config = loadKitConfig({ preset: 'film', override: { pipelines: { video: { moderation: { provider: 'rekognition', minConfidence: 0.8 }, dedupe: { enabled: false } } } } });
    expect(config.pipelines.video).toMatchObject({ moderation: { provider: 'rekognition', minConfidence: 0.8 }, dedupe: { enabled: false }, hls: { enabled: true } });
    expect(() => loadKitConfig({ preset: 'film', override: { pipelines: { video: { strategy: 'every-frame' } } } })).toThrow(/strategy/);
  });
});
