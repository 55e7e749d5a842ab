import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { KitEncryption } from './kit-encryption.ts';
import type { KitNetwork } from './kit-network.ts';
import { acknowledge, acknowledgeInlinePolicies, acknowledgeInPacks } from './nag.ts';

/** The newest Node.js runtime aws-cdk-lib offers, pinned so a CDK upgrade never changes it silently. */
export const KIT_RUNTIME = lambda.Runtime.NODEJS_24_X;

export type KitArchitecture = 'x86_64' | 'arm64';

export interface KitFunctionProps {
  /** Absolute path of the handler's TypeScript entry file. */
  readonly entry: string;
  readonly description: string;
  /** The Powertools service name: the pipeline id. */
  readonly serviceName: string;
  /** @default 1024 */
  readonly memorySize?: number;
  /** @default Duration.seconds(30) */
  readonly timeout?: Duration;
  /**
   * x86_64 by default so the asset that deploys is the asset the local runtime runs on x64 hosts;
   * arm64 (Graviton) is cheaper per GB-second and installs arm64 native modules.
   * @default 'x86_64'
   */
  readonly architecture?: KitArchitecture;
  /** @default {} */
  readonly environment?: Readonly<Record<string, string>>;
  /** Packages with native code installed into the asset for the Lambda's platform, e.g. ['sharp']. @default [] */
  readonly nodeModules?: readonly string[];
  /**
   * Files copied into the asset after bundling, each `from` an absolute path, `to` relative to
   * the asset root (data files a bundle reads at run time: model weights, .wasm binaries).
   * @default []
   */
  readonly assetFiles?: readonly { readonly from: string; readonly to: string }[];
  /** @default logs.RetentionDays.ONE_MONTH */
  readonly logRetention?: logs.RetentionDays;
  /** Powertools log level. @default 'INFO' */
  readonly logLevel?: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
  /** Project root holding package.json and package-lock.json. */
  readonly projectRoot: string;
  /**
   * Bundling beyond the house defaults, for assets that carry files beside the code (binaries,
   * model files copied by command hooks) or need esbuild defines. @default none
   */
  readonly bundling?: Pick<nodejs.BundlingOptions, 'commandHooks' | 'define' | 'banner'>;
  /** The stack's customer-managed key: encrypts the log group, and the role may use it through S3, SQS and DynamoDB. @default AWS-managed encryption */
  readonly encryption?: KitEncryption;
  /** The stack's VPC: the function runs in its private subnets, placed by `serviceName`. @default outside any VPC */
  readonly network?: KitNetwork;
  /** Where asynchronous invocations (EventBridge, S3) that fail every retry go. @default none: such a function has none */
  readonly deadLetterQueue?: sqs.IQueue;
}

/** What every KitFunction of a stack shares, passed down from KitStack: its architecture, log retention, key and VPC. */
export type KitFunctionBaseline = Pick<KitFunctionProps, 'architecture' | 'logRetention' | 'encryption' | 'network'>;

/** The baseline fields of props that carry them (and nothing else), to spread into KitFunction props. */
export function functionBaseline(props: KitFunctionBaseline): KitFunctionBaseline {
  const { architecture, logRetention, encryption, network } = props;
  return { architecture, logRetention, encryption, network };
}

/**
 * A NodejsFunction with the house defaults: pinned runtime, explicit architecture, its own log
 * group with retention, a role that may write only to that log group, X-Ray tracing, Powertools
 * environment, source maps, and native modules installed for the target platform.
 */
export class KitFunction extends Construct {
  public readonly function: nodejs.NodejsFunction;
  public readonly role: iam.Role;
  public readonly logGroup: logs.LogGroup;
  public readonly timeout: Duration;

  constructor(scope: Construct, id: string, props: KitFunctionProps) {
    super(scope, id);
    const architecture = props.architecture ?? 'x86_64';
    const cpu = architecture === 'arm64' ? 'arm64' : 'x64';
    this.timeout = props.timeout ?? Duration.seconds(30);

    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
      ...(props.encryption ? { encryptionKey: props.encryption.key } : {}),
    });
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `${props.description} (execution role)`,
    });
    // Instead of AWSLambdaBasicExecutionRole (logs:* on every log group): this function's group only.
    this.role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [this.logGroup.logGroupArn],
      }),
    );

    props.encryption?.grantUse(this.role);
    const placement = props.network?.placementFor(props.serviceName);
    if (placement) props.network!.grantNetworkInterfaces(this.role);

    this.function = new nodejs.NodejsFunction(this, 'Function', {
      ...placement,
      entry: props.entry,
      handler: 'handler',
      description: props.description,
      runtime: KIT_RUNTIME,
      architecture: architecture === 'arm64' ? lambda.Architecture.ARM_64 : lambda.Architecture.X86_64,
      memorySize: props.memorySize ?? 1024,
      timeout: this.timeout,
      role: this.role,
      logGroup: this.logGroup,
      ...(props.deadLetterQueue ? { deadLetterQueue: props.deadLetterQueue } : {}),
      loggingFormat: lambda.LoggingFormat.JSON,
      tracing: lambda.Tracing.ACTIVE,
      projectRoot: props.projectRoot,
      depsLockFilePath: `${props.projectRoot}/package-lock.json`,
      environment: {
        POWERTOOLS_SERVICE_NAME: props.serviceName,
        POWERTOOLS_LOG_LEVEL: props.logLevel ?? 'INFO',
        NODE_OPTIONS: '--enable-source-maps',
        ...props.environment,
      },
      bundling: {
        format: nodejs.OutputFormat.CJS,
        target: KIT_RUNTIME.name.replace(/^nodejs(\d+)\.x$/, 'node$1'),
        minify: true,
        sourceMap: true,
        // The AWS SDK is bundled, not taken from the runtime: the asset pins the versions we test.
        externalModules: [],
        nodeModules: [...(props.nodeModules ?? [])],
        forceDockerBundling: false,
        // A CJS bundle has no import.meta: modules that locate packaged files from import.meta.url
        // (createRequire) get the bundle's own file URL, so they resolve from the asset's node_modules.
        define: { 'import.meta.url': 'kitImportMetaUrl' },
        banner: 'const kitImportMetaUrl=require("url").pathToFileURL(__filename).href;',
        ...(props.assetFiles && props.assetFiles.length > 0 ? { commandHooks: copyIntoAsset(props.assetFiles) } : {}),
        // npm reads these when installing nodeModules: native binaries for Lambda, not the build host.
        environment: { npm_config_os: 'linux', npm_config_cpu: cpu, npm_config_libc: 'glibc' },
        ...props.bundling,
      },
    });

    acknowledgeInlinePolicies(this.role);
    acknowledgeInPacks(
      this.function,
      'LambdaConcurrency',
      ['nist', 'hipaa'],
      "Concurrency is bounded where each function is triggered: every SQS event source's maxConcurrency, the task API's stage throttling, and for the inference indexer one invocation per inference result, itself bounded by the inference queue's maxConcurrency; reserved concurrency would carve from the account pool and fails deploys in accounts with the default limit",
    );
    acknowledge(
      this.role,
      'AwsSolutions-IAM5[Resource::*]',
      'X-Ray PutTraceSegments/PutTelemetryRecords support no resource-level permissions; the rest of this role is scoped to named resources and prefixes',
    );
  }
}

/** afterBundling commands copying data files into the asset (the same on the host and in Docker). */
function copyIntoAsset(files: readonly { readonly from: string; readonly to: string }[]): nodejs.ICommandHooks {
  for (const file of files) {
    if (file.to.startsWith('/') || file.to.split('/').includes('..')) throw new Error(`assetFiles: '${file.to}' must stay inside the asset`);
  }
  const quote = (value: string) => `'${value.replace(/'/g, `'\\''`)}'`;
  return {
    beforeBundling: () => [],
    beforeInstall: () => [],
    afterBundling: (_inputDir, outputDir) =>
      files.flatMap((file) => {
        const target = `${outputDir}/${file.to}`;
        return [`mkdir -p ${quote(target.slice(0, target.lastIndexOf('/')))}`, `cp ${quote(file.from)} ${quote(target)}`];
      }),
  };
}
