import type { RekognitionClient } from '@aws-sdk/client-rekognition';
import { defaultImageModel } from '../model/default-model.ts';
import type { ImageModel } from '../model/image-model.ts';
import type { ModerationSettings } from './config.ts';
import { noModerationProvider } from './none-provider.ts';
import { nsfwjsProvider } from './nsfwjs-provider.ts';
import type { ModerationProvider } from './provider.ts';
import { rekognitionProvider } from './rekognition-provider.ts';

export interface ProviderDependencies {
  /** Required for provider 'rekognition'. */
  readonly rekognition?: RekognitionClient;
  /** The model for 'nsfwjs'; the process-wide default model when omitted. */
  readonly model?: ImageModel;
}

/** The provider the settings name, built from what the handler passes in. */
export async function createModerationProvider(settings: ModerationSettings, deps: ProviderDependencies = {}): Promise<ModerationProvider> {
  switch (settings.provider) {
    case 'nsfwjs':
      return nsfwjsProvider({ model: deps.model ?? (await defaultImageModel()), minConfidence: settings.minConfidence, batchSize: settings.batchSize });
    case 'rekognition':
      if (!deps.rekognition) throw new Error(`Moderation provider 'rekognition' needs a RekognitionClient`);
      return rekognitionProvider({ client: deps.rekognition, minConfidence: settings.minConfidence, concurrency: settings.batchSize });
    case 'none':
      return noModerationProvider();
  }
}
