import { Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { KitStorage } from '../../../lib/constructs/kit-storage.ts';
import { imagePipelineConfigSchema } from '../../../lib/pipelines/image-pipeline-config.ts';
import { ImagePipeline } from '../../../lib/pipelines/image-pipeline.ts';
import { ChecksumPipeline } from './checksum-pipeline.ts';

/** A user's own stack: the kit's storage and image pipeline with our own names, plus our own pipeline. */
export class CustomMediaStack extends Stack {
  public readonly storage: KitStorage;
  public readonly photos: ImagePipeline;
  public readonly checksums: ChecksumPipeline;

  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);
    this.storage = new KitStorage(this, 'Media', { ingestExpirationDays: 7 });
    this.photos = new ImagePipeline(this, 'Photos', {
      ingestBucket: this.storage.ingestBucket,
      resultsBucket: this.storage.resultsBucket,
      config: imagePipelineConfigSchema.parse({
        ingestPrefix: 'photos/',
        outputPrefix: 'web/',
        memorySize: 1024,
        batchSize: 2,
        renditions: [{ name: 'card', width: 400, height: 300, fit: 'cover', format: 'webp', quality: 75 }],
      }),
    });
    this.checksums = new ChecksumPipeline(this, 'Checksums', this.storage, { algorithms: ['sha256', 'md5'], memorySize: 256 });
  }
}
