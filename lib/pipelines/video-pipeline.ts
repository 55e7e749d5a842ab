import { CfnOutput, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';
import { VIDEO_ERROR_CODES } from '../../functions/video-capture/error-codes.ts';
import { videoSettingsSchema } from '../../functions/video-capture/settings.ts';
import { acknowledge, acknowledgeInlinePolicies, prefixGrantFinding } from '../constructs/nag.ts';
import { functionEntry, PROJECT_ROOT } from './paths.ts';
import { type KitPipelineProps, QueuePipeline } from './queue-pipeline.ts';
import type { VideoPipelineConfig } from './video-pipeline-config.ts';
import { IMPORT_META_URL_BANNER, IMPORT_META_URL_DEFINE, videoCommandHooks, videoPackagingEnvironment } from './video-packaging.ts';

export interface VideoPipelineProps extends KitPipelineProps {
  /** A parsed `videoPipelineConfigSchema` value (defaults applied). */
  readonly config: VideoPipelineConfig;
  /**
   * Who may assume the reviewer role (read quarantined uploads and the video reports).
   * @default the stack's account (iam.AccountRootPrincipal: then IAM policies in the account decide who)
   */
  readonly reviewerPrincipal?: iam.IPrincipal;
}

/**
 * Video frame capture and moderation: uploads under `ingestPrefix` become frames, a report
 * (verdict, segments, evidence) and, per config, HLS renditions and a poster under `outputPrefix`
 * of the results bucket, or a failure record. A blocked upload is copied under the quarantine
 * prefix, which only {@link reviewerRole} may read, and its original is tagged; review and block
 * verdicts go to the kit bus as `Moderation Verdict`.
 */
export class VideoPipeline extends QueuePipeline<typeof videoSettingsSchema> {
  public static readonly PIPELINE_ID = 'video';
  public static readonly RESULT_DOCUMENT = 'report.json';
  /** Reads quarantined uploads and the pipeline's reports and frames; nothing else. */
  public readonly reviewerRole: iam.Role;

  constructor(scope: Construct, id: string, props: VideoPipelineProps) {
    const architecture = props.architecture ?? 'x86_64';
    const { config } = props;
    super(scope, id, {
      ...props,
      architecture,
      pipeline: {
        id: VideoPipeline.PIPELINE_ID,
        resultDocument: VideoPipeline.RESULT_DOCUMENT,
        errorCodes: [...VIDEO_ERROR_CODES],
        acceptsJsonTasks: false,
      },
      config,
      settingsSchema: videoSettingsSchema,
      entry: functionEntry('video-capture'),
      description: 'serverless-media-kit video pipeline: frame capture, moderation, HLS, posters',
      // sharp: frame metrics and posters. ffmpeg, the model and the wasm files are copied by command hooks.
      nodeModules: ['sharp'],
      bundling: { commandHooks: videoCommandHooks(architecture, PROJECT_ROOT), banner: IMPORT_META_URL_BANNER, define: { ...IMPORT_META_URL_DEFINE } },
      // The bus (KIT_BUS_NAME, PutEvents) is the base's wiring: Moderation Verdict goes to it.
      environment: videoPackagingEnvironment(architecture),
      functionId: 'Capture',
    });
    const fn = this.worker.function;
    (fn.node.defaultChild as lambda.CfnFunction).ephemeralStorage = { size: config.ephemeralStorageMb };

    // Quarantine: server-side copy of the judged upload (the ingest read is the queue worker's
    // grant), written only under the quarantine prefix, and the verdict tag on ingest uploads only.
    const quarantinePrefix = config.quarantine.prefix;
    if (config.quarantine.enabled) {
      fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:PutObject'], resources: [props.resultsBucket.arnForObjects(`${quarantinePrefix}*`)] }));
      acknowledge(this.worker.role, prefixGrantFinding(props.resultsBucket, quarantinePrefix), `Writes blocked uploads only under '${quarantinePrefix}' of the results bucket`);
      if (config.quarantine.tagOriginal) {
        fn.addToRolePolicy(
          new iam.PolicyStatement({ actions: ['s3:PutObjectTagging', 's3:PutObjectVersionTagging'], resources: [props.ingestBucket.arnForObjects(`${config.ingestPrefix}*`)] }),
        );
      }
    }
    if (config.moderation.provider === 'rekognition') {
      fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['rekognition:DetectModerationLabels'], resources: ['*'] }));
      acknowledge(this.worker.role, 'AwsSolutions-IAM5[Resource::*]', 'rekognition:DetectModerationLabels takes image bytes and supports no resource-level permissions');
    }

    this.reviewerRole = new iam.Role(this, 'ReviewerRole', {
      assumedBy: props.reviewerPrincipal ?? new iam.AccountRootPrincipal(),
      description: `serverless-media-kit video reviewers (${Stack.of(this).stackName}): read quarantined uploads and video reports`,
    });
    this.reviewerRole.addToPolicy(
      new iam.PolicyStatement({
        actions: ['s3:GetObject', 's3:GetObjectVersion'],
        resources: [props.resultsBucket.arnForObjects(`${quarantinePrefix}*`), props.resultsBucket.arnForObjects(`${this.contract.outputPrefix}*`)],
      }),
    );
    this.reviewerRole.addToPolicy(new iam.PolicyStatement({ actions: ['s3:ListBucket'], resources: [props.resultsBucket.bucketArn] }));
    acknowledgeInlinePolicies(this.reviewerRole);
    // Quarantined copies and reports are SSE-KMS objects when the stack has a key.
    props.encryption?.grantReadThroughS3(this.reviewerRole);
    for (const prefix of [quarantinePrefix, this.contract.outputPrefix]) {
      acknowledge(this.reviewerRole, prefixGrantFinding(props.resultsBucket, prefix), `Reviewers read only under '${prefix}' of the results bucket`);
    }
    if (config.quarantine.enabled) this.denyQuarantineReadsToOthers(props.resultsBucket, quarantinePrefix);
    new CfnOutput(this, 'ReviewerRoleArn', { value: this.reviewerRole.roleArn, description: 'Assume to read quarantined videos and video reports' });
  }

  /**
   * Blocked uploads are evidence nobody but reviewers should open: the bucket policy denies reading
   * the quarantine prefix to every other principal of the account, however broad its own S3 grants
   * (an administrator can still change the policy, which CloudTrail records).
   */
  private denyQuarantineReadsToOthers(resultsBucket: s3.IBucket, quarantinePrefix: string): void {
    const result = resultsBucket.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'QuarantineReadableByReviewersOnly',
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: ['s3:GetObject', 's3:GetObjectVersion'],
        resources: [resultsBucket.arnForObjects(`${quarantinePrefix}*`)],
        conditions: { ArnNotEquals: { 'aws:PrincipalArn': this.reviewerRole.roleArn } },
      }),
    );
    if (!result.statementAdded) throw new Error(`VideoPipeline: cannot restrict '${quarantinePrefix}' on an imported results bucket; pass a bucket defined in this app`);
  }
}
