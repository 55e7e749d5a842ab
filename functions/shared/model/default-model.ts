import type { BackendName, ImageModel } from './image-model.ts';
import { loadNsfwjsModel, type NsfwjsModelOptions } from './nsfwjs-model.ts';

/**
 * The process-wide default model: loaded on first use, then reused by every invocation a warm
 * environment serves (inference and moderation alike share it, one copy of the weights).
 */
const loaded = new Map<BackendName, Promise<ImageModel>>();

export function defaultImageModel(options: Omit<NsfwjsModelOptions, 'variant'> = {}): Promise<ImageModel> {
  const backend = options.backend ?? 'wasm';
  let model = loaded.get(backend);
  if (!model) {
    model = loadNsfwjsModel({ ...options, backend });
    // A failed load is not cached: the next invocation tries again rather than inheriting the failure.
    model.catch(() => loaded.delete(backend));
    loaded.set(backend, model);
  }
  return model;
}

/** Disposes the cached default models (tests and benchmarks that compare cold loads). */
export async function disposeDefaultImageModels(): Promise<void> {
  const models = await Promise.allSettled(loaded.values());
  loaded.clear();
  for (const result of models) if (result.status === 'fulfilled') result.value.dispose();
}
