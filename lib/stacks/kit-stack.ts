import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { KitAlerts, type AlertsConfig } from '../constructs/alerts.ts';
import type { KitArchitecture } from '../constructs/kit-function.ts';
import { KitStorage, type KitStorageProps } from '../constructs/kit-storage.ts';
import type { ImagePipelineConfig } from '../pipelines/image-pipeline-config.ts';
import { ImagePipeline } from '../pipelines/image-pipeline.ts';

/** What the stack is built from: a validated KitConfig (lib/presets) satisfies it. */
export interface KitStackConfig {
  readonly preset: string;
  readonly architecture: KitArchitecture;
  readonly logRetentionDays: number;
  readonly storage: KitStorageProps;
  readonly alerts?: AlertsConfig;
  readonly pipelines: { readonly image?: ImagePipelineConfig };
}

export interface KitStackProps extends StackProps {
  readonly config: KitStackConfig;
}

/** One deployable unit: the shared storage plus every pipeline the config enables. */
export class KitStack extends Stack {
  public readonly storage: KitStorage;
  /** The alarm destination, when config `alerts` is set. */
  public readonly alerts?: KitAlerts;
  public readonly imagePipeline?: ImagePipeline;

  constructor(scope: Construct, id: string, props: KitStackProps) {
    super(scope, id, {
      description: `serverless-media-kit (${props.config.preset} preset): event-driven media and task pipelines`,
      ...props,
    });
    const { config } = props;
    this.storage = new KitStorage(this, 'Storage', config.storage);
    const logRetention = config.logRetentionDays as logs.RetentionDays;
    if (config.alerts) this.alerts = new KitAlerts(this, 'Alerts', { config: config.alerts });
    const alarmAction = this.alerts?.action;

    if (config.pipelines.image) {
      this.imagePipeline = new ImagePipeline(this, 'ImagePipeline', {
        ingestBucket: this.storage.ingestBucket,
        resultsBucket: this.storage.resultsBucket,
        config: config.pipelines.image,
        architecture: config.architecture,
        logRetention,
        alarmAction,
      });
      new CfnOutput(this, 'ImageIngestPrefix', { value: config.pipelines.image.ingestPrefix });
      new CfnOutput(this, 'ImageDeadLetterQueueUrl', {
        value: this.imagePipeline.queueWorker.workQueue.deadLetterQueue.queueUrl,
      });
    }
    new CfnOutput(this, 'IngestBucketName', { value: this.storage.ingestBucket.bucketName });
    new CfnOutput(this, 'ResultsBucketName', { value: this.storage.resultsBucket.bucketName });
  }
}
