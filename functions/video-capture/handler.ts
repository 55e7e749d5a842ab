import { RekognitionClient } from '@aws-sdk/client-rekognition';
import { createEventBridgeClient, createS3Client, traced } from '../shared/aws-clients.ts';
import { loadBinaries } from '../shared/ffmpeg/binaries.ts';
import { VideoErrorCode } from '../shared/ffmpeg/errors.ts';
import { defaultImageModel } from '../shared/model/default-model.ts';
import type { ModerationProvider } from '../shared/moderation/provider.ts';
import { createModerationProvider } from '../shared/moderation/providers.ts';
import { createQueueWorkerHandler } from '../shared/queue-worker.ts';
import { loadSettings } from '../shared/settings.ts';
import { KitEventPublisher } from '../shared/tasks/task-events.ts';
import { withPackagedPaths } from './packaged-paths.ts';
import { createVideoProcessor } from './process-video.ts';
import { TFJS_WASM_DIR_ENV, VIDEO_EVENT_BUS_ENV, videoSettingsSchema } from './settings.ts';

const settings = loadSettings(videoSettingsSchema);
const s3 = createS3Client();
// Checked at load: a missing or non-executable binary fails the cold start, naming the path.
const binaries = loadBinaries(withPackagedPaths(process.env));
const moderation = settings.pipeline.moderation;
const wasmDir = withPackagedPaths(process.env, [TFJS_WASM_DIR_ENV])[TFJS_WASM_DIR_ENV];
const busName = process.env[VIDEO_EVENT_BUS_ENV];
const publisher = busName ? new KitEventPublisher(createEventBridgeClient(), busName) : undefined;

let provider: Promise<ModerationProvider> | undefined;
/** Made on first use and kept for the environment; a failed load is retried by the next object. */
function moderationProvider(): Promise<ModerationProvider> {
  provider ??= (async () =>
    createModerationProvider(moderation, {
      ...(moderation.provider === 'rekognition' ? { rekognition: traced(new RekognitionClient({})) } : {}),
      ...(moderation.provider === 'nsfwjs' ? { model: await defaultImageModel(wasmDir ? { wasmDir } : {}) } : {}),
    }))();
  provider.catch(() => (provider = undefined));
  return provider;
}

export const handler = createQueueWorkerHandler({
  settings,
  s3,
  timeoutCode: VideoErrorCode.VIDEO_PROCESSING_TIMEOUT,
  processObject: createVideoProcessor({
    settings,
    s3,
    binaries,
    provider: moderationProvider,
    ...(publisher ? { publish: (type: string, detail: object) => publisher.publish(type, detail) } : {}),
  }),
});
