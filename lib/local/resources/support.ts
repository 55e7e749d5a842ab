/**
 * Which resource types the local runtime emulates, which it can leave out because nothing on the
 * request path depends on them locally, and (by elimination) which it does not know.
 */
export const EMULATED_TYPES = new Set([
  'AWS::S3::Bucket',
  'AWS::SQS::Queue',
  'AWS::DynamoDB::Table',
  'AWS::Lambda::Function',
  'AWS::Lambda::EventSourceMapping',
  'AWS::Lambda::EventInvokeConfig',
  'Custom::S3BucketNotifications',
  'AWS::Lambda::Url',
  'AWS::ApiGatewayV2::Api',
  'AWS::ApiGatewayV2::Stage',
  'AWS::ApiGatewayV2::Route',
  'AWS::ApiGatewayV2::Integration',
]);

/** Permissions, telemetry, encryption keys and deploy-time helpers: real on AWS, moot on loopback. */
const NOT_NEEDED_PREFIXES = ['AWS::IAM::', 'AWS::Logs::', 'AWS::CloudWatch::', 'AWS::KMS::', 'AWS::XRay::', 'AWS::CDK::'];
const NOT_NEEDED_TYPES = new Set([
  'AWS::S3::BucketPolicy',
  'AWS::SQS::QueuePolicy',
  'AWS::Lambda::Permission',
  'Custom::LogRetention',
  'Custom::S3AutoDeleteObjects',
  'Custom::CDKBucketDeployment',
]);

export type SupportLevel = 'emulated' | 'not-needed' | 'unsupported';

export function supportLevel(type: string): SupportLevel {
  if (EMULATED_TYPES.has(type)) return 'emulated';
  if (NOT_NEEDED_TYPES.has(type) || NOT_NEEDED_PREFIXES.some((prefix) => type.startsWith(prefix))) return 'not-needed';
  return 'unsupported';
}
