import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { LocalErrorCode, LocalRuntimeError } from '../errors.ts';
import type { ResourceIndex } from '../resources/resource-index.ts';
import { foreignNativeFiles, hostArchitecture, type LambdaArchitecture } from './asset-architecture.ts';

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
  /** The function's Architectures entry. @default 'x86_64' */
  readonly architecture: LambdaArchitecture;
  /** EphemeralStorage.Size: what its /tmp may hold. @default 512 */
  readonly ephemeralStorageMb: number;
  /** Folders of its layers' assets, in the template's order (what Lambda extracts into /opt). */
  readonly layerDirectories: readonly string[];
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
  const layerDirectories = ((prop('Layers') as unknown[] | undefined) ?? []).map((arn) => layerDirectory(index, stackName, logicalId, String(arn)));
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
  const architecture = readArchitecture(prop('Architectures'), logicalId, stackName);
  checkArchitecture(`${logicalId} in ${stackName}`, architecture, [codeDirectory, ...layerDirectories]);
  const storage = prop('EphemeralStorage') as { Size?: unknown } | undefined;
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
    architecture,
    ephemeralStorageMb: Number(storage?.Size ?? 512),
    layerDirectories,
    ...(reserved !== undefined ? { reservedConcurrency: Number(reserved) } : {}),
    environment,
  };
}

function readArchitecture(value: unknown, logicalId: string, stackName: string): LambdaArchitecture {
  const [architecture = 'x86_64'] = (value as string[] | undefined) ?? [];
  if (architecture !== 'x86_64' && architecture !== 'arm64') {
    throw new LocalRuntimeError(LocalErrorCode.RESOURCE_UNSUPPORTED, `${logicalId} in ${stackName} declares architecture '${architecture}'`, { logicalId });
  }
  return architecture;
}

/**
 * Fails start when a function cannot run on this machine: its Architectures is not the host's,
 * or its asset (or a layer) ships native binaries for the other architecture. Checked at start so
 * the message names the fix, instead of an "Exec format error" from inside some invocation.
 */
export function checkArchitecture(name: string, architecture: LambdaArchitecture, directories: readonly string[], host = hostArchitecture()): void {
  const fix = (built: string) =>
    host
      ? `set "architecture": "${host}" in your config (-c config=FILE / --config FILE) so the asset is built for this machine, or run on an ${built} machine`
      : `run it on an ${built} machine`;
  if (architecture !== host) {
    throw new LocalRuntimeError(
      LocalErrorCode.ARCHITECTURE_MISMATCH,
      `${name} is built for ${architecture} (its Architectures) and this machine is ${host ?? process.arch}: ${fix(architecture)}`,
      { architecture, host: host ?? process.arch },
    );
  }
  for (const directory of directories) {
    const [first, ...more] = foreignNativeFiles(directory, architecture);
    if (!first) continue;
    throw new LocalRuntimeError(
      LocalErrorCode.ARCHITECTURE_MISMATCH,
      `${name} declares ${architecture}, but its asset ships native code for ${first.architecture} (${first.path}${more.length > 0 ? ` and ${more.length} more` : ''}), ` +
        `which cannot load here: rebuild the asset for ${architecture} (${fix(first.architecture)})`,
      { architecture, file: first.path, fileArchitecture: first.architecture },
    );
  }
}

/** A layer of the assembly (AWS::Lambda::LayerVersion) by the ARN a function names; external layers cannot be mounted. */
function layerDirectory(index: ResourceIndex, stackName: string, logicalId: string, arn: string): string {
  const layer = index.findByArn(arn);
  const content = layer?.type === 'AWS::Lambda::LayerVersion' ? (index.property(layer.stackName, layer.logicalId, 'Content') as { S3Key?: string } | undefined) : undefined;
  const directory = content?.S3Key ? index.stack(layer!.stackName).assetPaths.get(content.S3Key) : undefined;
  if (!directory || !existsSync(directory)) {
    throw new LocalRuntimeError(
      LocalErrorCode.RESOURCE_UNSUPPORTED,
      `${logicalId} in ${stackName} uses layer ${arn}, which is not a layer asset of this assembly: the local runtime mounts only layers it can read from cdk.out`,
      { stackName, logicalId, layer: arn },
    );
  }
  return directory;
}
