/** The model module: one image model interface serving inference and video moderation. */
export { type ModelFiles, type ModelKind, modelSha256, parseModelJson, verifyModelSha256, weightPaths } from './artifacts.ts';
export { type BackendInfo, ensureBackend, packagedWasmDir } from './backend.ts';
export { defaultImageModel, disposeDefaultImageModels } from './default-model.ts';
export { ModelErrorCode } from './errors.ts';
export { type ImageFormat, sniffImageFormat } from './image-format.ts';
export { type BackendName, type ImageModel, type LabelScore, type ModelIdentity, type ModelInput, rankLabels } from './image-model.ts';
export { loadModelFromFiles, type ModelSpec, ModelSpecSchema } from './model-spec.ts';
export { loadNsfwjsModel, NSFWJS_LABELS, type NsfwjsVariant, nsfwjsVersion, readNsfwjsModelFiles } from './nsfwjs-model.ts';
export { DEFAULT_MAX_INPUT_PIXELS, ModelInputError, type ModelInputProblem, type Normalization, preprocessImage } from './preprocess.ts';
