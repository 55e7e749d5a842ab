/**
 * What the local runtime does with each resource type, one line per type: `emulated` (it runs
 * locally), `not-needed` (real on AWS, moot on loopback: permissions, telemetry, keys,
 * deploy-time helpers), and by elimination `unsupported`. Supporting a new type locally starts
 * with one line here.
 */
const SUPPORT: Readonly<Record<string, Exclude<SupportLevel, 'unsupported'>>> = {
  'AWS::S3::Bucket': 'emulated',
  'AWS::SQS::Queue': 'emulated',
  'AWS::DynamoDB::Table': 'emulated',
  'AWS::Lambda::Function': 'emulated',
  'AWS::Lambda::LayerVersion': 'emulated',
  'AWS::Lambda::EventSourceMapping': 'emulated',
  'AWS::Lambda::EventInvokeConfig': 'emulated',
  'Custom::S3BucketNotifications': 'emulated',
  'AWS::Lambda::Url': 'emulated',
  'AWS::ApiGatewayV2::Api': 'emulated',
  'AWS::ApiGatewayV2::Stage': 'emulated',
  'AWS::ApiGatewayV2::Route': 'emulated',
  'AWS::ApiGatewayV2::Integration': 'emulated',
  'AWS::Events::EventBus': 'emulated',
  'AWS::Events::Rule': 'emulated',

  'AWS::S3::BucketPolicy': 'not-needed',
  'AWS::SQS::QueuePolicy': 'not-needed',
  'AWS::Lambda::Permission': 'not-needed',
  'AWS::Events::EventBusPolicy': 'not-needed',
  'AWS::Lambda::LayerVersionPermission': 'not-needed',
  'Custom::LogRetention': 'not-needed',
  'Custom::S3AutoDeleteObjects': 'not-needed',
  'Custom::CDKBucketDeployment': 'not-needed',
  // Closes a created VPC's default security group: VPC placement is moot on loopback.
  'Custom::VpcRestrictDefaultSG': 'not-needed',
};

/** Whole services that are moot locally. */
const NOT_NEEDED_PREFIXES = ['AWS::IAM::', 'AWS::Logs::', 'AWS::CloudWatch::', 'AWS::KMS::', 'AWS::XRay::', 'AWS::CDK::', 'AWS::EC2::'];

export type SupportLevel = 'emulated' | 'not-needed' | 'unsupported';

export function supportLevel(type: string): SupportLevel {
  const level = SUPPORT[type];
  if (level) return level;
  return NOT_NEEDED_PREFIXES.some((prefix) => type.startsWith(prefix)) ? 'not-needed' : 'unsupported';
}
