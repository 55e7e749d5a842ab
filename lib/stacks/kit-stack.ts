import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { KitAlerts, type AlertsConfig } from '../constructs/alerts.ts';
import { DeadLetterRecorder } from '../constructs/dead-letter-recorder.ts';
import { KitEncryption, type EncryptionConfig } from '../constructs/kit-encryption.ts';
import { KitEventBus } from '../constructs/kit-event-bus.ts';
import type { KitArchitecture } from '../constructs/kit-function.ts';
import { KitFunction } from '../constructs/kit-function.ts';
import { KitMonitoring, type MonitoringConfig } from '../constructs/kit-monitoring.ts';
import { KitNetwork, type NetworkConfig } from '../constructs/kit-network.ts';
import { KitStorage, type KitStorageProps } from '../constructs/kit-storage.ts';
import { TaskApi } from '../constructs/task-api.ts';
import { KitTaskTable } from '../constructs/task-table.ts';
import type { EventsConfig, TasksConfig } from '../constructs/tasks-config.ts';
import type { ImagePipelineConfig } from '../pipelines/image-pipeline-config.ts';
import { ImagePipeline } from '../pipelines/image-pipeline.ts';
import { PROJECT_ROOT } from '../pipelines/paths.ts';
import type { SettlementPipelineConfig } from '../pipelines/settlement-pipeline-config.ts';
import { SettlementPipeline } from '../pipelines/settlement-pipeline.ts';
import type { KitPipelineProps, QueuePipeline } from '../pipelines/queue-pipeline.ts';
import type { VideoPipelineConfig } from '../pipelines/video-pipeline-config.ts';
import { VideoPipeline } from '../pipelines/video-pipeline.ts';
import type { InferencePipelineConfig } from '../pipelines/inference-pipeline-config.ts';
import { InferencePipeline } from '../pipelines/inference-pipeline.ts';

/** What the stack is built from: a validated KitConfig (lib/presets) satisfies it. */
export interface KitStackConfig {
  readonly preset: string;
  readonly architecture: KitArchitecture;
  readonly logRetentionDays: number;
  readonly storage: Omit<KitStorageProps, 'encryption'>;
  readonly encryption: EncryptionConfig;
  readonly network?: NetworkConfig;
  readonly alerts?: AlertsConfig;
  readonly monitoring: MonitoringConfig;
  readonly tasks: TasksConfig;
  readonly events: EventsConfig;
  readonly pipelines: {
    readonly image?: ImagePipelineConfig;
    readonly settlement?: SettlementPipelineConfig;
    readonly video?: VideoPipelineConfig;
    readonly inference?: InferencePipelineConfig;
  };
}

export interface KitStackProps extends StackProps {
  readonly config: KitStackConfig;
}

/**
 * One deployable unit: the shared storage, the kit bus, the task table with its API and
 * dead-letter recorder, and every pipeline the config enables.
 */
export class KitStack extends Stack {
  public readonly storage: KitStorage;
  /** The stack's customer-managed key, when config `encryption.kms` is on. */
  public readonly encryption?: KitEncryption;
  /** The VPC every function runs in, when config `network` is set. */
  public readonly network?: KitNetwork;
  /** Function and task alarms, and the optional dashboard. */
  public readonly monitoring: KitMonitoring;
  /** The alarm destination, when config `alerts` is set. */
  public readonly alerts?: KitAlerts;
  public readonly bus: KitEventBus;
  public readonly taskTable?: KitTaskTable;
  public readonly taskApi?: TaskApi;
  public readonly deadLetterRecorder?: DeadLetterRecorder;
  /** Every pipeline of the stack, in the order they were added. */
  public readonly pipelines: QueuePipeline[] = [];
  public readonly imagePipeline?: ImagePipeline;
  public readonly settlementPipeline?: SettlementPipeline;
  public readonly videoPipeline?: VideoPipeline;
  public readonly inferencePipeline?: InferencePipeline;

  constructor(scope: Construct, id: string, props: KitStackProps) {
    super(scope, id, {
      description: `serverless-media-kit (${props.config.preset} preset): event-driven media and task pipelines`,
      ...props,
    });
    const { config } = props;
    const logRetention = config.logRetentionDays as logs.RetentionDays;
    this.encryption = KitEncryption.fromConfig(this, 'Encryption', config.encryption);
    if (config.network) this.network = new KitNetwork(this, 'Network', { config: config.network, encryption: this.encryption, logRetention, rekognition: config.pipelines.video?.moderation.provider === 'rekognition' });
    const baseline = { encryption: this.encryption, network: this.network };
    this.storage = new KitStorage(this, 'Storage', { ...config.storage, encryption: this.encryption });
    if (config.alerts) this.alerts = new KitAlerts(this, 'Alerts', { config: config.alerts });
    this.bus = new KitEventBus(this, 'Events', { busName: config.events.busName });
    if (config.tasks.enabled) this.taskTable = new KitTaskTable(this, 'Tasks', { encryption: this.encryption });

    const wiring: KitPipelineProps = {
      ingestBucket: this.storage.ingestBucket,
      resultsBucket: this.storage.resultsBucket,
      architecture: config.architecture,
      logRetention,
      alarmAction: this.alerts?.action,
      bus: this.bus.bus,
      ...baseline,
      ...(this.taskTable ? { tasks: { table: this.taskTable, ttlDays: config.tasks.ttlDays } } : {}),
    };
    if (config.pipelines.image) {
      this.imagePipeline = this.add(new ImagePipeline(this, 'ImagePipeline', { ...wiring, config: config.pipelines.image }), 'Image');
    }
    if (config.pipelines.settlement) {
      this.settlementPipeline = this.add(new SettlementPipeline(this, 'SettlementPipeline', { ...wiring, config: config.pipelines.settlement }), 'Settlement');
      new CfnOutput(this, 'LedgerTableName', { value: this.settlementPipeline.ledgerTable.tableName });
    }
    if (config.pipelines.video) {
      this.videoPipeline = this.add(new VideoPipeline(this, 'VideoPipeline', { ...wiring, config: config.pipelines.video }), 'Video');
    }
    if (config.pipelines.inference) {
      if (config.storage.resultsEventBridge === false) {
        throw new Error("pipelines.inference needs storage.resultsEventBridge: its index is driven by the results bucket's EventBridge events");
      }
      this.inferencePipeline = this.add(new InferencePipeline(this, 'InferencePipeline', { ...wiring, config: config.pipelines.inference }), 'Inference');
    }

    if (this.taskTable && this.pipelines.length > 0) {
      this.taskApi = new TaskApi(this, 'TaskApi', {
        tasks: this.taskTable,
        projectRoot: PROJECT_ROOT,
        ttlDays: config.tasks.ttlDays,
        presignExpirySeconds: config.tasks.presignExpirySeconds,
        architecture: config.architecture,
        logRetention,
        ...baseline,
        pipelines: this.pipelines.map((p) => ({
          id: p.contract.id,
          ingestPrefix: p.contract.ingestPrefix,
          acceptsJsonTasks: p.contract.acceptsJsonTasks,
          ingestBucket: this.storage.ingestBucket,
          workQueue: p.queueWorker.workQueue.queue,
        })),
      });
      this.deadLetterRecorder = new DeadLetterRecorder(this, 'DeadLetters', {
        tasks: this.taskTable,
        projectRoot: PROJECT_ROOT,
        bus: this.bus.bus,
        ttlDays: config.tasks.ttlDays,
        architecture: config.architecture,
        logRetention,
        ...baseline,
        pipelines: this.pipelines.map((p) => ({
          id: p.contract.id,
          ingestPrefix: p.contract.ingestPrefix,
          deadLetterQueue: p.queueWorker.workQueue.deadLetterQueue,
        })),
      });
      new CfnOutput(this, 'TaskApiUrl', { value: this.taskApi.url, description: 'The task API (IAM auth): media-kit tasks --stack' });
      new CfnOutput(this, 'TaskTableName', { value: this.taskTable.table.tableName });
    }
    this.monitoring = new KitMonitoring(this, 'Monitoring', {
      config: config.monitoring,
      alerts: this.alerts,
      pipelines: this.pipelines,
      functions: this.node.findAll().filter((c): c is KitFunction => c instanceof KitFunction),
    });
    new CfnOutput(this, 'EventBusName', { value: this.bus.bus.eventBusName });
    new CfnOutput(this, 'IngestBucketName', { value: this.storage.ingestBucket.bucketName });
    new CfnOutput(this, 'ResultsBucketName', { value: this.storage.resultsBucket.bucketName });
  }

  /** Registers a pipeline with the stack's task API and recorder, and outputs its ingest prefix and DLQ. */
  private add<P extends QueuePipeline>(pipeline: P, outputPrefix: string): P {
    this.pipelines.push(pipeline);
    new CfnOutput(this, `${outputPrefix}IngestPrefix`, { value: pipeline.contract.ingestPrefix });
    new CfnOutput(this, `${outputPrefix}DeadLetterQueueUrl`, { value: pipeline.queueWorker.workQueue.deadLetterQueue.queueUrl });
    return pipeline;
  }
}
