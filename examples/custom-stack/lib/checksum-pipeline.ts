import type { Construct } from 'constructs';
import { z } from 'zod';
import { QueuePipeline } from '../../../lib/pipelines/queue-pipeline.ts';
import { keyPrefixSchema, refineWorkerConfig, workerConfigSchema } from '../../../lib/pipelines/worker-config.ts';
import type { KitStorage } from '../../../lib/constructs/kit-storage.ts';
import { ChecksumError, checksumSettingsSchema } from '../functions/checksum/settings.ts';

/** Its config: the kit's worker fields, where results go, and the handler's own settings. */
export const checksumConfigSchema = workerConfigSchema
  .extend({ ingestPrefix: keyPrefixSchema.default('incoming/'), outputPrefix: keyPrefixSchema.default('checksums/'), ...checksumSettingsSchema.shape })
  .superRefine(refineWorkerConfig);

/** A pipeline of our own, on the kit's contract: uploads under `incoming/` get `checksums/<rel>/checksums.json`. */
export class ChecksumPipeline extends QueuePipeline<typeof checksumSettingsSchema> {
  constructor(scope: Construct, id: string, storage: KitStorage, config: z.input<typeof checksumConfigSchema> = {}) {
    super(scope, id, {
      ingestBucket: storage.ingestBucket,
      resultsBucket: storage.resultsBucket,
      pipeline: { id: 'checksum', resultDocument: 'checksums.json', errorCodes: [...Object.values(ChecksumError), 'SOURCE_NOT_FOUND'] },
      config: checksumConfigSchema.parse(config),
      settingsSchema: checksumSettingsSchema,
      entry: new URL('../functions/checksum/handler.ts', import.meta.url).pathname,
      description: 'custom-stack example: sha256/md5 checksums of uploads',
    });
  }
}
