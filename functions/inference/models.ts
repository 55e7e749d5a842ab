import type { ModelFiles } from '../shared/model/artifacts.ts';
import { weightPaths } from '../shared/model/artifacts.ts';
import { defaultImageModel } from '../shared/model/default-model.ts';
import type { BackendName, ImageModel } from '../shared/model/image-model.ts';
import { loadModelFromFiles, type ModelSpec } from '../shared/model/model-spec.ts';
import { InferenceErrorCode, inferenceError } from './errors.ts';

/**
 * Which model a job runs on, and keeping it loaded: the default model, or a configured
 * bring-your-own model fetched once per warm environment, verified, and reused by later jobs.
 */

/** Reads one file of a model (model.json, then each weight file it names) from wherever models are kept. */
export type ReadModelFile = (spec: ModelSpec, fileName: string) => Promise<Uint8Array>;

export interface ModelCatalog {
  readonly models: readonly ModelSpec[];
  readonly readFile: ReadModelFile;
  readonly backend?: BackendName;
}

const loaded = new Map<string, Promise<ImageModel>>();

/** The model a job asked for (`model` in its manifest), the default when it named none. */
export async function modelForJob(requested: string | undefined, catalog: ModelCatalog): Promise<ImageModel> {
  const backend = catalog.backend ?? 'wasm';
  const fallback = () => defaultImageModel({ backend });
  if (requested === undefined) return fallback();
  const spec = catalog.models.find((m) => m.name === requested);
  if (!spec) {
    const defaultModel = await fallback();
    if (requested === defaultModel.name) return defaultModel;
    throw inferenceError(InferenceErrorCode.INFERENCE_MODEL_UNKNOWN, `Model '${requested}' is not configured; available: ${[defaultModel.name, ...catalog.models.map((m) => m.name)].join(', ')}`, {
      model: requested,
      available: [defaultModel.name, ...catalog.models.map((m) => m.name)],
    });
  }
  // Cached by content hash and backend: a reconfigured model (new sha256) is a new load.
  const cacheKey = `${spec.sha256}/${backend}`;
  let model = loaded.get(cacheKey);
  if (!model) {
    model = fetchModelFiles(spec, catalog.readFile).then((files) => loadModelFromFiles(files, spec, { backend }));
    model.catch(() => loaded.delete(cacheKey));
    loaded.set(cacheKey, model);
  }
  return model;
}

export async function fetchModelFiles(spec: ModelSpec, readFile: ReadModelFile): Promise<ModelFiles> {
  const modelJson = await readFile(spec, 'model.json');
  const weights = new Map<string, Uint8Array>();
  for (const path of weightPaths(modelJson)) weights.set(path, await readFile(spec, path));
  return { modelJson, weights };
}
