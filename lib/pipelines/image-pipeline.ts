import type { Construct } from 'constructs';
import { IMAGE_ERROR_CODES } from '../../functions/image-transcode/error-codes.ts';
import { transcodeOptionsSchema } from '../../functions/image-transcode/options.ts';
import type { ImagePipelineConfig } from './image-pipeline-config.ts';
import { functionEntry } from './paths.ts';
import { QueuePipeline, type KitPipelineProps } from './queue-pipeline.ts';

export interface ImagePipelineProps extends KitPipelineProps {
  /** A parsed `imagePipelineConfigSchema` value (defaults applied). */
  readonly config: ImagePipelineConfig;
}

/**
 * Image transcoding: uploads under `ingestPrefix` become renditions plus a manifest under
 * `outputPrefix` of the results bucket, or a failure record under `failures/`.
 */
export class ImagePipeline extends QueuePipeline<typeof transcodeOptionsSchema> {
  public static readonly PIPELINE_ID = 'image';
  public static readonly RESULT_DOCUMENT = 'manifest.json';

  constructor(scope: Construct, id: string, props: ImagePipelineProps) {
    super(scope, id, {
      ...props,
      pipeline: {
        id: ImagePipeline.PIPELINE_ID,
        resultDocument: ImagePipeline.RESULT_DOCUMENT,
        errorCodes: [...IMAGE_ERROR_CODES],
        acceptsJsonTasks: false,
      },
      settingsSchema: transcodeOptionsSchema,
      entry: functionEntry('image-transcode'),
      description: 'serverless-media-kit image pipeline: sharp renditions + manifest',
      nodeModules: ['sharp'],
      functionId: 'Transcode',
    });
  }
}
