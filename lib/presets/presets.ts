import { DEFAULT_RENDITIONS } from '../../functions/image-transcode/options.ts';
import type { KitConfigInput } from './schema.ts';

export interface Preset {
  readonly name: string;
  /** The customer case it comes from, for `media-kit presets` and the README. */
  readonly description: string;
  readonly config: Omit<KitConfigInput, 'preset'>;
}

/**
 * One preset per industry of the customer cases. Pipelines that a preset's industry needs but
 * that the kit does not ship yet (video frame capture, settlement, inference) are added here as
 * they land; until then the preset deploys its shared storage and the pipelines that exist.
 */
export const PRESETS: readonly Preset[] = [
  {
    name: 'all',
    description: 'Every pipeline with default settings (the default preset)',
    config: { pipelines: { image: { renditions: [...DEFAULT_RENDITIONS] }, settlement: {}, video: {}, inference: {} } },
  },
  {
    name: 'entertainment',
    description: 'Image transcoding for user-generated and catalogue images (thumbnails, web renditions)',
    config: {
      pipelines: {
        image: {
          renditions: [
            ...DEFAULT_RENDITIONS,
            { name: 'avatar', width: 128, height: 128, fit: 'cover', format: 'webp', quality: 75 },
          ],
        },
      },
    },
  },
  {
    name: 'education',
    description: 'Live-recording frame capture and moderation; course-cover images',
    config: {
      pipelines: {
        image: {
          renditions: [
            { name: 'cover', width: 1280, height: 720, fit: 'cover', format: 'jpeg', quality: 82 },
            { name: 'card', width: 640, height: 360, fit: 'cover', format: 'webp', quality: 80 },
            { name: 'thumbnail', width: 320, height: 180, fit: 'cover', format: 'jpeg', quality: 78 },
          ],
        },
        // Live recordings arrive as .ts/.flv segments under videos/<stream>/: a frame every 10 s
        // of each, and a stream verdict that escalates, never relaxes.
        video: { strategy: 'interval', intervalSeconds: 10, maxFrames: 60, liveSegments: { enabled: true } },
      },
    },
  },
  {
    name: 'film',
    description: 'Frame capture and moderation of film content; slicing and transcoding',
    config: {
      pipelines: {
        // A frame per scene (cuts are where content changes), and HLS 360p + 720p for playback.
        video: { strategy: 'scene', sceneThreshold: 0.3, maxFrames: 120, hls: { enabled: true } },
      },
    },
  },
  {
    name: 'games',
    description: 'Battle settlement computed when a battle ends',
    config: { pipelines: { settlement: {} } },
  },
  {
    name: 'ai',
    description: 'Inference jobs (e.g. ad-image recognition) with results to the results bucket',
    config: { pipelines: { inference: { defaultTopK: 5 } } },
  },
  {
    name: 'consumer-electronics',
    description: 'Camera clips: frame capture and thumbnails',
    config: {
      architecture: 'x86_64',
      pipelines: {
        image: {
          renditions: [
            { name: 'thumbnail', width: 320, height: 320, fit: 'cover', format: 'jpeg', quality: 78 },
            { name: 'preview', width: 1280, fit: 'inside', format: 'webp', quality: 78 },
          ],
        },
        // Camera clips are short: keyframes are cheap to decode, and a poster for the gallery.
        video: { strategy: 'keyframes', maxFrames: 30, poster: { enabled: true }, limits: { maxDurationSeconds: 1800 } },
      },
    },
  },
];

export const DEFAULT_PRESET = 'all';
