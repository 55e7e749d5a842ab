import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Duration } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { INFERENCE_ERROR_CODES } from '../../functions/inference/errors.ts';
import { inferenceOptionsSchema } from '../../functions/inference/options.ts';
import { IndexEnv } from '../../functions/inference-index/settings.ts';
import { functionBaseline, KitFunction } from '../constructs/kit-function.ts';
import { acknowledge, acknowledgeDeadLetterQueue, prefixGrantFinding } from '../constructs/nag.ts';
import { queueEncryption } from '../constructs/work-queue.ts';
import type { InferencePipelineConfig } from './inference-pipeline-config.ts';
import { functionEntry, PROJECT_ROOT } from './paths.ts';
import { QueuePipeline, type KitPipelineProps } from './queue-pipeline.ts';

export interface InferencePipelineProps extends KitPipelineProps {
  /** A parsed `inferencePipelineConfigSchema` value (defaults applied). The results bucket must publish to EventBridge (KitStorage's does). */
  readonly config: InferencePipelineConfig;
}

/** The model and wasm files the bundled handler reads at run time, where the model module looks for them. */
export function inferenceAssetFiles(projectRoot: string = PROJECT_ROOT): { from: string; to: string }[] {
  const require = createRequire(join(projectRoot, 'package.json'));
  const nsfwjs = join(dirname(require.resolve('nsfwjs')), '..', '..');
  const wasm = dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json'));
  const files = [
    ['nsfwjs', nsfwjs, 'package.json'],
    // Only so require.resolve('nsfwjs') finds the package: the model module reads the weights, never this code.
    ['nsfwjs', nsfwjs, 'dist/cjs/index.js'],
    // Marks the model modules CommonJS (the package itself is ESM): without it they export nothing.
    ['nsfwjs', nsfwjs, 'dist/models/package.json'],
    ['nsfwjs', nsfwjs, 'dist/models/mobilenet_v2/model.min.js'],
    ['nsfwjs', nsfwjs, 'dist/models/mobilenet_v2/group1-shard1of1.min.js'],
    ['@tensorflow/tfjs-backend-wasm', wasm, 'package.json'],
    ['@tensorflow/tfjs-backend-wasm', wasm, 'dist/tfjs-backend-wasm.wasm'],
    ['@tensorflow/tfjs-backend-wasm', wasm, 'dist/tfjs-backend-wasm-simd.wasm'],
    ['@tensorflow/tfjs-backend-wasm', wasm, 'dist/tfjs-backend-wasm-threaded-simd.wasm'],
  ] as const;
  return files.map(([pkg, dir, file]) => ({ from: join(dir, file), to: `node_modules/${pkg}/${file}` }));
}

/**
 * Inference jobs: an image under `ingestPrefix` is a one-image job, a JSON manifest there
 * (`{images, model?, topK?}`, also what `POST /tasks` writes) a batch; each job's
 * `result.json` goes under `outputPrefix`. Its creation (S3 → EventBridge, not a call from the
 * worker) drives the index function: a per-model daily JSONL index and `Inference Completed`.
 */
export class InferencePipeline extends QueuePipeline<typeof inferenceOptionsSchema> {
  public static readonly PIPELINE_ID = 'inference';
  public static readonly RESULT_DOCUMENT = 'result.json';
  public readonly indexer: KitFunction;
  public readonly resultCreatedRule: events.Rule;
  public readonly indexDeadLetterQueue: sqs.Queue;

  constructor(scope: Construct, id: string, props: InferencePipelineProps) {
    const { config } = props;
    super(scope, id, {
      ...props,
      pipeline: {
        id: InferencePipeline.PIPELINE_ID,
        resultDocument: InferencePipeline.RESULT_DOCUMENT,
        errorCodes: [...INFERENCE_ERROR_CODES],
        acceptsJsonTasks: true,
      },
      settingsSchema: inferenceOptionsSchema,
      entry: functionEntry('inference'),
      description: 'serverless-media-kit inference pipeline: tfjs (wasm) image classification jobs + result.json',
      // sharp decodes the images (native, installed for the target); tfjs itself is bundled, its model and wasm files copied.
      nodeModules: ['sharp'],
      assetFiles: inferenceAssetFiles(),
      functionId: 'Infer',
    });
    const role = this.worker.function;

    // A manifest may name images under these prefixes of the ingest bucket (the ingest prefix is granted by QueueWorker).
    for (const prefix of config.manifestImagePrefixes) {
      role.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [props.ingestBucket.arnForObjects(`${prefix}*`)] }));
      acknowledge(this.worker.role, prefixGrantFinding(props.ingestBucket, prefix), `Reads the images job manifests may name, only under '${prefix}'`);
    }
    this.grantModelReads(props, config);

    // One DLQ for both ends: events EventBridge could not deliver, and invocations that failed every retry.
    this.indexDeadLetterQueue = new sqs.Queue(this, 'IndexDeadLetterQueue', {
      ...queueEncryption(props.encryption),
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    acknowledge(this.indexDeadLetterQueue, 'AwsSolutions-SQS3', 'This queue is itself the dead-letter queue of the index rule target');
    acknowledgeDeadLetterQueue(this.indexDeadLetterQueue, 'The end of the index chain: events EventBridge could not deliver, or the indexer failed on after every retry, wait here for inspection');
    this.indexer = new KitFunction(this, 'Index', {
      entry: functionEntry('inference-index'),
      projectRoot: PROJECT_ROOT,
      description: 'serverless-media-kit inference index: per-model daily JSONL + Inference Completed',
      serviceName: `${InferencePipeline.PIPELINE_ID}-index`,
      memorySize: 256,
      timeout: Duration.seconds(60),
      ...functionBaseline(props),
      deadLetterQueue: this.indexDeadLetterQueue,
      environment: {
        [IndexEnv.RESULTS_BUCKET]: props.resultsBucket.bucketName,
        [IndexEnv.INGEST_PREFIX]: config.ingestPrefix,
        [IndexEnv.INDEX_PREFIX]: config.indexPrefix,
        ...(props.bus ? { [IndexEnv.EVENT_BUS_NAME]: props.bus.eventBusName } : {}),
      },
    });
    const indexFn = this.indexer.function;
    indexFn.addToRolePolicy(
      new iam.PolicyStatement({ actions: ['s3:GetObject', 's3:GetObjectVersion'], resources: [props.resultsBucket.arnForObjects(`${config.outputPrefix}*`)] }),
    );
    indexFn.addToRolePolicy(
      new iam.PolicyStatement({ actions: ['s3:GetObject', 's3:PutObject'], resources: [props.resultsBucket.arnForObjects(`${config.indexPrefix}*`)] }),
    );
    // Listing the day's entry objects is how the daily file is compacted; only key names under the index prefix.
    indexFn.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['s3:ListBucket'],
        resources: [props.resultsBucket.bucketArn],
        conditions: { StringLike: { 's3:prefix': [`${config.indexPrefix}*`] } },
      }),
    );
    acknowledge(this.indexer.role, prefixGrantFinding(props.resultsBucket, config.outputPrefix), `Reads the result documents under '${config.outputPrefix}' it indexes`);
    acknowledge(this.indexer.role, prefixGrantFinding(props.resultsBucket, config.indexPrefix), `Reads and writes only the index under '${config.indexPrefix}'`);
    if (props.bus) props.bus.grantPutEventsTo(indexFn);

    // S3 publishes the results bucket's events on the account's default bus (KitStorage turns them on).
    this.resultCreatedRule = new events.Rule(this, 'ResultCreated', {
      description: `serverless-media-kit: index each ${config.outputPrefix}…/${InferencePipeline.RESULT_DOCUMENT} as it is created`,
      eventPattern: {
        source: ['aws.s3'],
        detailType: ['Object Created'],
        detail: {
          bucket: { name: [props.resultsBucket.bucketName] },
          object: { key: events.Match.wildcard(`${config.outputPrefix}*/${InferencePipeline.RESULT_DOCUMENT}`) },
        },
      },
    });
    this.resultCreatedRule.addTarget(
      new targets.LambdaFunction(indexFn, { deadLetterQueue: this.indexDeadLetterQueue, retryAttempts: 8, maxEventAge: Duration.hours(6) }),
    );
  }

  /** The worker reads configured models' files only: their prefixes or listed keys, in the models bucket. */
  private grantModelReads(props: InferencePipelineProps, config: InferencePipelineConfig): void {
    if (config.models.length === 0) return;
    const bucket = config.modelsBucketName ? s3.Bucket.fromBucketName(this, 'ModelsBucket', config.modelsBucketName) : props.resultsBucket;
    const resources = config.models.flatMap((model) => (model.prefix ? [bucket.arnForObjects(`${model.prefix}*`)] : Object.values(model.keys ?? {}).map((key) => bucket.arnForObjects(key))));
    this.worker.function.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources }));
    if (config.modelsBucketName) this.worker.function.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:ListBucket'], resources: [bucket.bucketArn] }));
    for (const model of config.models) {
      if (!model.prefix) continue;
      const finding = config.modelsBucketName
        ? `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::${config.modelsBucketName}/${model.prefix}*]`
        : prefixGrantFinding(bucket, model.prefix);
      acknowledge(this.worker.role, finding, `Reads model '${model.name}' only: its files under '${model.prefix}', verified against its sha256 before use`);
    }
  }
}
