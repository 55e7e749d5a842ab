import { Duration } from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { transcodeOptionsSchema } from '../../functions/image-transcode/options.ts';
import { EnvName } from '../../functions/shared/env-names.ts';
import { FAILURE_PREFIX } from '../../functions/shared/keys.ts';
import type { PipelineId } from '../../functions/shared/pipeline-ids.ts';
import { KitFunction, type KitArchitecture } from '../constructs/kit-function.ts';
import { acknowledge, prefixGrantFinding } from '../constructs/nag.ts';
import { QueueWorker } from '../constructs/queue-worker.ts';
import type { ImagePipelineConfig } from '../presets/schema.ts';
import { functionEntry, PROJECT_ROOT } from './paths.ts';

export interface ImagePipelineProps {
  readonly ingestBucket: s3.IBucket;
  readonly resultsBucket: s3.IBucket;
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
export class ImagePipeline extends Construct {
  public static readonly PIPELINE_ID: PipelineId = 'image';
  public readonly worker: KitFunction;
  public readonly queueWorker: QueueWorker;

  constructor(scope: Construct, id: string, props: ImagePipelineProps) {
    super(scope, id);
    const { config } = props;
    // Only the handler's own settings travel in its environment, validated by the same schema it loads with.
    const settings = transcodeOptionsSchema.parse({
      renditions: config.renditions,
      limits: config.limits,
      stripMetadata: config.stripMetadata,
      background: config.background,
      animated: config.animated,
      inputFormats: config.inputFormats,
    });

    this.worker = new KitFunction(this, 'Transcode', {
      entry: functionEntry('image-transcode'),
      projectRoot: PROJECT_ROOT,
      description: 'serverless-media-kit image pipeline: sharp renditions + manifest',
      serviceName: ImagePipeline.PIPELINE_ID,
      memorySize: config.memorySize,
      timeout: Duration.seconds(config.timeoutSeconds),
      architecture: props.architecture,
      logRetention: props.logRetention,
      nodeModules: ['sharp'],
      environment: {
        [EnvName.PIPELINE_ID]: ImagePipeline.PIPELINE_ID,
        [EnvName.RESULTS_BUCKET]: props.resultsBucket.bucketName,
        [EnvName.INGEST_PREFIX]: config.ingestPrefix,
        [EnvName.OUTPUT_PREFIX]: config.outputPrefix,
        [EnvName.PIPELINE_SETTINGS]: JSON.stringify(settings),
      },
    });

    this.queueWorker = new QueueWorker(this, 'Queue', {
      bucket: props.ingestBucket,
      prefix: config.ingestPrefix,
      worker: this.worker,
      batchSize: config.batchSize,
      maxBatchingWindow: Duration.seconds(config.maxBatchingWindowSeconds),
      maxConcurrency: config.maxConcurrency,
      maxReceiveCount: config.maxReceiveCount,
      alarmAction: props.alarmAction,
    });

    // Write-only (put, and delete of a superseded manifest or failure record), and only where this
    // pipeline's outputs and failure records go.
    const failurePrefix = `${FAILURE_PREFIX}${config.ingestPrefix}`;
    for (const prefix of [config.outputPrefix, failurePrefix]) {
      this.worker.function.addToRolePolicy(
        new iam.PolicyStatement({
          actions: ['s3:PutObject', 's3:DeleteObject'],
          resources: [props.resultsBucket.arnForObjects(`${prefix}*`)],
        }),
      );
      acknowledge(
        this.worker.role,
        prefixGrantFinding(props.resultsBucket, prefix),
        `Writes only under '${prefix}' of the results bucket: one object per output, named after its input`,
      );
    }
  }
}
