import { Duration } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as events from 'aws-cdk-lib/aws-events';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { z } from 'zod';
import { EnvName } from '../../functions/shared/env-names.ts';
import { definePipelineContract, failurePrefixOf, type PipelineContract, type PipelineContractInput } from '../../functions/shared/pipeline-contract.ts';
import { functionBaseline, KitFunction, type KitFunctionBaseline, type KitFunctionProps } from '../constructs/kit-function.ts';
import { acknowledge, prefixGrantFinding } from '../constructs/nag.ts';
import { QueueWorker } from '../constructs/queue-worker.ts';
import type { KitTaskTable } from '../constructs/task-table.ts';
import { PROJECT_ROOT } from './paths.ts';
import { timeBudgetMsOf, type WorkerConfig } from './worker-config.ts';

/** Where a pipeline's tasks are recorded (KitStack passes its own). */
export interface PipelineTasks {
  readonly table: KitTaskTable;
  /** Days a finished task is kept. */
  readonly ttlDays: number;
}

/** What every kit pipeline construct takes from its stack, beside its own config. */
export interface KitPipelineProps extends KitFunctionBaseline {
  readonly ingestBucket: s3.IBucket;
  readonly resultsBucket: s3.IBucket;
  /** Where the pipeline's alarms notify (KitAlerts.action). @default no action */
  readonly alarmAction?: cloudwatch.IAlarmAction;
  /** The task table. @default no task records */
  readonly tasks?: PipelineTasks;
  /**
   * The kit bus: `Task Succeeded`/`Task Failed` and the pipeline's own events (handlers reach it
   * through KIT_BUS_NAME). @default no events
   */
  readonly bus?: events.IEventBus;
}

/** What a pipeline declares about itself; prefixes come from its config. */
export type PipelineDeclaration = Omit<PipelineContractInput, 'ingestPrefix' | 'outputPrefix'>;

export interface QueuePipelineProps<Settings extends z.ZodObject> extends KitPipelineProps {
  /** id, result document, error codes, JSON tasks: the contract less its prefixes. */
  readonly pipeline: PipelineDeclaration;
  /** The pipeline's config: worker fields, `outputPrefix`, and its handler's settings. */
  readonly config: WorkerConfig & { readonly outputPrefix: string };
  /**
   * The handler's settings schema. Every field of it is taken from `config` and parsed with it,
   * so a new handler option reaches the handler without anyone copying it.
   */
  readonly settingsSchema: Settings;
  /** Absolute path of the handler's entry (functions/<name>/handler.ts). */
  readonly entry: string;
  readonly description: string;
  /** Native packages installed into the asset, e.g. ['sharp']. @default [] */
  readonly nodeModules?: readonly string[];
  /** Data files copied into the function's asset (KitFunction `assetFiles`). @default [] */
  readonly assetFiles?: readonly { readonly from: string; readonly to: string }[];
  /** Variables beyond the contract and settings. @default {} */
  readonly environment?: Readonly<Record<string, string>>;
  /** Project root holding package.json and the lockfile. @default the kit's root */
  readonly projectRoot?: string;
  /** Command hooks and esbuild defines for assets that carry files beside the code. @default none */
  readonly bundling?: KitFunctionProps['bundling'];
  /** Construct id of the function (part of its logical id: keep it stable once deployed). @default 'Function' */
  readonly functionId?: string;
}

/**
 * The base of every queue pipeline: S3 prefix → work queue (DLQ) → KitFunction, with the pipeline
 * contract, the handler's settings and the per-object time budget in its environment, reads
 * scoped to the ingest prefix and writes (and reads of its own earlier outcomes) scoped to its
 * output prefix and its failure-record prefix. A pipeline is this construct, a config schema and
 * one function folder.
 */
export class QueuePipeline<Settings extends z.ZodObject = z.ZodObject> extends Construct {
  public readonly contract: PipelineContract;
  public readonly worker: KitFunction;
  public readonly queueWorker: QueueWorker;
  /** What the handler loads as `settings.pipeline`. */
  public readonly settings: z.infer<Settings>;
  public readonly timeBudgetMs: number;

  constructor(scope: Construct, id: string, props: QueuePipelineProps<Settings>) {
    super(scope, id);
    const { config } = props;
    this.contract = definePipelineContract({ ...props.pipeline, ingestPrefix: config.ingestPrefix, outputPrefix: config.outputPrefix });
    this.settings = handlerSettingsFrom(props.settingsSchema, config);
    this.timeBudgetMs = timeBudgetMsOf(config);

    this.worker = new KitFunction(this, props.functionId ?? 'Function', {
      entry: props.entry,
      projectRoot: props.projectRoot ?? PROJECT_ROOT,
      description: props.description,
      serviceName: this.contract.id,
      memorySize: config.memorySize,
      timeout: Duration.seconds(config.timeoutSeconds),
      ...functionBaseline(props),
      nodeModules: props.nodeModules,
      ...(props.bundling ? { bundling: props.bundling } : {}),
      ...(props.assetFiles ? { assetFiles: props.assetFiles } : {}),
      environment: {
        ...props.environment,
        [EnvName.PIPELINE_CONTRACT]: JSON.stringify(this.contract),
        [EnvName.RESULTS_BUCKET]: props.resultsBucket.bucketName,
        [EnvName.PIPELINE_SETTINGS]: JSON.stringify(this.settings),
        [EnvName.TIME_BUDGET_MS]: String(this.timeBudgetMs),
        [EnvName.KIT_ARCHITECTURE]: props.architecture ?? 'x86_64',
        ...(props.tasks
          ? { [EnvName.TASK_TABLE_NAME]: props.tasks.table.table.tableName, [EnvName.TASK_TTL_DAYS]: String(props.tasks.ttlDays) }
          : {}),
        ...(props.bus ? { [EnvName.KIT_BUS_NAME]: props.bus.eventBusName } : {}),
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
      encryption: props.encryption,
    });

    props.tasks?.table.grantRecorder(this.worker.function);
    props.bus?.grantPutEventsTo(this.worker.function);

    // Without ListBucket, S3 answers a GetObject of a missing key with 403, not 404: the worker could
    // not tell "no earlier outcome" from a permission problem. It lists key names, never contents.
    this.worker.function.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:ListBucket'], resources: [props.resultsBucket.bucketArn] }));
    // Put and delete (one outcome per key), and get: before removing an earlier outcome the worker
    // reads which upload it belongs to. Only where this pipeline's outputs and failure records go.
    for (const prefix of [this.contract.outputPrefix, failurePrefixOf(this.contract)]) {
      this.worker.function.addToRolePolicy(
        new iam.PolicyStatement({
          actions: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'],
          resources: [props.resultsBucket.arnForObjects(`${prefix}*`)],
        }),
      );
      acknowledge(
        this.worker.role,
        prefixGrantFinding(props.resultsBucket, prefix),
        `Reads and writes only under '${prefix}' of the results bucket: one object per output, named after its input`,
      );
    }
  }
}

/**
 * The handler's settings out of a pipeline's config: every field the settings schema has, parsed
 * by that schema (defaults applied, unknown fields refused), never a hand-copied subset.
 */
export function handlerSettingsFrom<Settings extends z.ZodObject>(schema: Settings, config: object): z.infer<Settings> {
  const values = config as Record<string, unknown>;
  const picked = Object.fromEntries(Object.keys(schema.shape).filter((key) => key in values).map((key) => [key, values[key]]));
  return schema.parse(picked);
}
