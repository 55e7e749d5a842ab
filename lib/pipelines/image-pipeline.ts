import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import { IMAGE_ERROR_CODES } from '../../functions/image-transcode/error-codes.ts';
import { transcodeOptionsSchema } from '../../functions/image-transcode/options.ts';
import type { KitArchitecture } from '../constructs/kit-function.ts';
import type { ImagePipelineConfig } from './image-pipeline-config.ts';
import { functionEntry } from './paths.ts';
import { QueuePipeline } from './queue-pipeline.ts';

export interface ImagePipelineProps {
  readonly ingestBucket: s3.IBucket;
  readonly resultsBucket: s3.IBucket;
  /** A parsed `imagePipelineConfigSchema` value (defaults applied). */
  readonly config: ImagePipelineConfig;
  /** @default 'x86_64' */
  readonly architecture?: KitArchitecture;
  /** @default logs.RetentionDays.ONE_MONTH */
  readonly logRetention?: logs.RetentionDays;
  /** Where the pipeline's alarms notify (KitAlerts.action). @default no action */
  readonly alarmAction?: cloudwatch.IAlarmAction;
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
      ingestBucket: props.ingestBucket,
      resultsBucket: props.resultsBucket,
      pipeline: {
        id: ImagePipeline.PIPELINE_ID,
        resultDocument: ImagePipeline.RESULT_DOCUMENT,
        errorCodes: [...IMAGE_ERROR_CODES],
        acceptsJsonTasks: false,
      },
      config: props.config,
      settingsSchema: transcodeOptionsSchema,
      entry: functionEntry('image-transcode'),
      description: 'serverless-media-kit image pipeline: sharp renditions + manifest',
      nodeModules: ['sharp'],
      architecture: props.architecture,
      logRetention: props.logRetention,
      alarmAction: props.alarmAction,
      functionId: 'Transcode',
    });
  }
}
