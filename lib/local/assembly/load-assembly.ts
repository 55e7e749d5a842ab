import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { LocalErrorCode, LocalRuntimeError } from '../errors.ts';
import type { AssemblyModel, CfnTemplate, StackModel } from './template.ts';

interface ManifestArtifact {
  readonly type: string;
  readonly properties?: {
    readonly templateFile?: string;
    readonly stackName?: string;
    readonly file?: string;
    readonly directoryName?: string;
  };
  readonly dependencies?: readonly string[];
}

interface AssetManifest {
  readonly files?: Record<
    string,
    {
      readonly source: { readonly path?: string; readonly packaging?: string };
      readonly destinations: Record<string, { readonly objectKey: string }>;
    }
  >;
}

/**
 * Reads a cloud assembly (what `cdk synth` writes): every stack's template and its file assets.
 * Nested assemblies (CDK stages) are read recursively so their stacks run side by side.
 */
export function loadAssembly(directory: string): AssemblyModel {
  const dir = resolve(directory);
  const manifest = readJson<{ artifacts?: Record<string, ManifestArtifact> }>(join(dir, 'manifest.json'), 'the assembly manifest');
  const artifacts = manifest.artifacts ?? {};
  const stacks: StackModel[] = [];
  for (const [artifactId, artifact] of Object.entries(artifacts)) {
    if (artifact.type === 'cdk:cloud-assembly' && artifact.properties?.directoryName) {
      stacks.push(...loadAssembly(join(dir, artifact.properties.directoryName)).stacks);
      continue;
    }
    if (artifact.type !== 'aws:cloudformation:stack') continue;
    const templateFile = artifact.properties?.templateFile;
    if (!templateFile) {
      throw new LocalRuntimeError(LocalErrorCode.ASSEMBLY_INVALID, `Stack artifact ${artifactId} names no template file`, { directory: dir });
    }
    const template = readJson<CfnTemplate>(join(dir, templateFile), `the template of ${artifactId}`);
    const assetPaths = new Map<string, string>();
    for (const dependency of artifact.dependencies ?? []) {
      const assetArtifact = artifacts[dependency];
      if (assetArtifact?.type !== 'cdk:asset-manifest' || !assetArtifact.properties?.file) continue;
      const assets = readJson<AssetManifest>(join(dir, assetArtifact.properties.file), `the asset manifest of ${artifactId}`);
      for (const file of Object.values(assets.files ?? {})) {
        if (!file.source.path) continue;
        for (const destination of Object.values(file.destinations)) {
          assetPaths.set(destination.objectKey, join(dir, file.source.path));
        }
      }
    }
    stacks.push({ artifactId, stackName: artifact.properties?.stackName ?? artifactId, template, assetPaths });
  }
  if (stacks.length === 0) {
    throw new LocalRuntimeError(LocalErrorCode.ASSEMBLY_INVALID, `The assembly in ${dir} holds no stacks`, { directory: dir });
  }
  return { directory: dir, stacks };
}

function readJson<T>(path: string, what: string): T {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new LocalRuntimeError(LocalErrorCode.ASSEMBLY_INVALID, `Cannot read ${what} (${path})`, { path }, { cause: error });
  }
  try {
    return JSON.parse(text) as T;
  } catch (error) {
    throw new LocalRuntimeError(LocalErrorCode.ASSEMBLY_INVALID, `${what} is not JSON (${path})`, { path }, { cause: error });
  }
}
