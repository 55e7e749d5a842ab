import type { FunctionSpec } from './function-spec.ts';

/** Where a function's AWS SDK clients should go locally. */
export interface LocalEndpoints {
  readonly region: string;
  /** S3 and SQS (one emulator). */
  readonly endpoint: string;
  readonly dynamoDbEndpoint?: string;
}

/**
 * The environment of one execution environment: the function's own variables over the variables
 * Lambda defines, with the SDK pointed at the emulators. Nothing of the host's environment
 * leaks in (no real credentials, no AWS_PROFILE) except PATH, which native helpers need.
 */
export function lambdaEnvironment(spec: FunctionSpec, endpoints: LocalEndpoints): Record<string, string> {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
    LANG: 'en_US.UTF-8',
    AWS_REGION: endpoints.region,
    AWS_DEFAULT_REGION: endpoints.region,
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_ENDPOINT_URL: endpoints.endpoint,
    AWS_S3_FORCE_PATH_STYLE: 'true',
    AWS_LAMBDA_FUNCTION_NAME: spec.name,
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(spec.memoryMb),
    AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${spec.name}`,
    AWS_LAMBDA_LOG_STREAM_NAME: `local/[$LATEST]${spec.logicalId}`,
    AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
    AWS_EXECUTION_ENV: `AWS_Lambda_${spec.runtime}`,
    LAMBDA_TASK_ROOT: spec.codeDirectory,
    _HANDLER: spec.handler,
    // The function declares its own runtime (e.g. nodejs24.x); the host's older Node is an artifact
    // of running locally, so the SDK's warning about it would only be noise in every task's logs.
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
  if (endpoints.dynamoDbEndpoint) env.AWS_ENDPOINT_URL_DYNAMODB = endpoints.dynamoDbEndpoint;
  // The function's variables win, as on Lambda, except the ones that would point it at AWS.
  const reserved = new Set(['AWS_ENDPOINT_URL', 'AWS_ENDPOINT_URL_DYNAMODB', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_REGION']);
  for (const [name, value] of Object.entries(spec.environment)) {
    if (!reserved.has(name)) env[name] = value;
  }
  return env;
}
