import { dirname, join } from 'node:path';
import type { FunctionSpec } from './function-spec.ts';

/** Where a function's AWS SDK clients should go locally. */
export interface LocalEndpoints {
  readonly region: string;
  /** Every service without an entry in {@link services}: S3 and SQS (one emulator). */
  readonly endpoint: string;
  /**
   * Per-service endpoints, keyed by the SDK's service id in its environment-variable form
   * (`DYNAMODB`, `EVENTBRIDGE`, …): each becomes `AWS_ENDPOINT_URL_<KEY>`, which SDK v3 clients
   * (and the AWS CLI) prefer over `AWS_ENDPOINT_URL`.
   */
  readonly services?: Readonly<Record<string, string>>;
}

/** Lambda's system folders, without the host's additions (/usr/local/bin holds what was installed on this machine). */
const SYSTEM_PATH = ['/usr/bin', '/bin'];

/**
 * A Lambda-like PATH. On Lambda it is `/var/lang/bin:/usr/local/bin:/usr/bin/:/bin:/opt/bin`, on an
 * image with almost nothing installed, so a function finds its binaries where it shipped them. Here
 * the system folders are the host's, full of tools Lambda lacks, so the folders a function ships
 * come first: Node's own folder (/var/lang/bin), the asset's `bin` and each layer's `bin` (/opt/bin,
 * later layers first since they overwrite earlier ones in /opt), then /usr/bin and /bin. The
 * host's PATH (/usr/local/bin, ~/.local/bin, …) is never inherited: a binary missing from the asset
 * fails locally as it would on Lambda instead of being found on this machine.
 */
export function lambdaPath(spec: Pick<FunctionSpec, 'codeDirectory' | 'layerDirectories'>): string {
  const folders = [dirname(process.execPath), join(spec.codeDirectory, 'bin'), ...[...spec.layerDirectories].reverse().map((layer) => join(layer, 'bin')), ...SYSTEM_PATH];
  return [...new Set(folders)].join(':');
}

/** Where Lambda's Node.js runtime looks for layer packages (/opt/nodejs/node<major>/node_modules, /opt/nodejs/node_modules). */
function layerNodePath(spec: Pick<FunctionSpec, 'runtime' | 'layerDirectories'>): string | undefined {
  if (spec.layerDirectories.length === 0) return undefined;
  const major = /^nodejs(\d+)/.exec(spec.runtime)?.[1];
  return [...spec.layerDirectories]
    .reverse()
    .flatMap((layer) => [...(major ? [join(layer, 'nodejs', `node${major}`, 'node_modules')] : []), join(layer, 'nodejs', 'node_modules')])
    .join(':');
}

/**
 * The environment of one execution environment: the function's own variables over the variables
 * Lambda defines, with the SDK pointed at the emulators. Nothing of the host's environment
 * leaks in (no real credentials, no AWS_PROFILE, no HOME, not even its PATH). TMPDIR is added per
 * environment, each having a /tmp of its own.
 */
export function lambdaEnvironment(spec: FunctionSpec, endpoints: LocalEndpoints): Record<string, string> {
  const env: Record<string, string> = {
    PATH: lambdaPath(spec),
    LANG: 'en_US.UTF-8',
    TZ: ':UTC',
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
  const nodePath = layerNodePath(spec);
  if (nodePath) env.NODE_PATH = nodePath;
  for (const [service, url] of Object.entries(endpoints.services ?? {})) env[`AWS_ENDPOINT_URL_${service.toUpperCase()}`] = url;
  // The function's variables win, as on Lambda, except the ones that would point it at AWS or
  // let it escape its environment.
  const reserved = (name: string) =>
    name.startsWith('AWS_ENDPOINT_URL') || ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_REGION', 'TMPDIR'].includes(name);
  for (const [name, value] of Object.entries(spec.environment)) {
    if (!reserved(name)) env[name] = value;
  }
  return env;
}
