import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { LocalErrorCode, LocalRuntimeError } from '../errors.ts';
import type { ResourceIndex } from '../resources/resource-index.ts';

/** Everything needed to run one AWS::Lambda::Function locally. */
export interface FunctionSpec {
  readonly stackName: string;
  readonly logicalId: string;
  readonly name: string;
  readonly arn: string;
  readonly runtime: string;
  readonly codeDirectory: string;
  /** Module path relative to the code directory, as `require` takes it (e.g. `index`). */
  readonly handlerModule: string;
  readonly handlerExport: string;
  readonly handler: string;
  readonly timeoutSeconds: number;
  readonly memoryMb: number;
  readonly reservedConcurrency?: number;
  /** The function's own variables, intrinsics resolved. */
  readonly environment: Readonly<Record<string, string>>;
}

/** Reads a function's runtime settings and locates its bundled asset in the cloud assembly. */
export function readFunctionSpec(index: ResourceIndex, stackName: string, logicalId: string): FunctionSpec {
  const prop = (name: string) => index.property(stackName, logicalId, name);
  const identity = index.identity(stackName, logicalId);
  const runtime = String(prop('Runtime') ?? '');
  if (!runtime.startsWith('nodejs')) {
    throw new LocalRuntimeError(
      LocalErrorCode.RESOURCE_UNSUPPORTED,
      `${logicalId} in ${stackName} uses runtime '${runtime || 'container image'}'; the local runtime runs Node.js functions only`,
      { stackName, logicalId, runtime },
    );
  }
  const handler = String(prop('Handler') ?? 'index.handler');
  const dot = handler.lastIndexOf('.');
  if (dot <= 0) {
    throw new LocalRuntimeError(LocalErrorCode.FUNCTION_CODE_MISSING, `${logicalId}: handler '${handler}' is not <module>.<export>`, { logicalId });
  }
  const code = (prop('Code') ?? {}) as { S3Key?: string; ZipFile?: string };
  const layers = prop('Layers') as unknown[] | undefined;
  if (layers && layers.length > 0) {
    throw new LocalRuntimeError(LocalErrorCode.RESOURCE_UNSUPPORTED, `${logicalId} in ${stackName} uses Lambda layers, which the local runtime does not mount`, {
      stackName,
      logicalId,
    });
  }
  const codeDirectory = code.S3Key ? index.stack(stackName).assetPaths.get(code.S3Key) : undefined;
  if (!codeDirectory || !existsSync(codeDirectory) || !statSync(codeDirectory).isDirectory()) {
    throw new LocalRuntimeError(
      LocalErrorCode.FUNCTION_CODE_MISSING,
      `${logicalId} in ${stackName}: its code asset ${code.S3Key ?? '(inline code)'} is not a folder in the assembly (${codeDirectory ?? 'not in the asset manifest'})`,
      { stackName, logicalId, s3Key: code.S3Key },
    );
  }
  const handlerModule = handler.slice(0, dot);
  // Bundles are CommonJS (NodejsFunction's CJS output); the host loads them with require like Lambda.
  if (!['.js', '.cjs'].some((ext) => existsSync(join(codeDirectory, handlerModule + ext)))) {
    throw new LocalRuntimeError(
      LocalErrorCode.FUNCTION_CODE_MISSING,
      `${logicalId} in ${stackName}: ${handlerModule}.js is not in its asset ${codeDirectory}`,
      { stackName, logicalId, codeDirectory },
    );
  }
  const variables = ((prop('Environment') as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {}) as Record<string, unknown>;
  const environment: Record<string, string> = {};
  for (const [name, value] of Object.entries(variables)) environment[name] = String(value);
  const reserved = prop('ReservedConcurrentExecutions');
  return {
    stackName,
    logicalId,
    name: identity.ref,
    arn: identity.attributes.Arn!,
    runtime,
    codeDirectory,
    handlerModule,
    handlerExport: handler.slice(dot + 1),
    handler,
    timeoutSeconds: Number(prop('Timeout') ?? 3),
    memoryMb: Number(prop('MemorySize') ?? 128),
    ...(reserved !== undefined ? { reservedConcurrency: Number(reserved) } : {}),
    environment,
  };
}
