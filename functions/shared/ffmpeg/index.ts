/**
 * The kit's ffmpeg module: probe, capture frames, encode HLS, pick a poster — over static
 * ffmpeg/ffprobe binaries, every run bounded by the object's time budget. Callers import this
 * file, never fluent-ffmpeg (runner.ts is the only file that does).
 */
export { type BinaryPaths, FfmpegEnv, loadBinaries, type Prober, resolveBinaryPaths, verifyBinaries } from './binaries.ts';
export { type RunContext } from './budget.ts';
export { type CaptureContext, type CapturedFrame, type CaptureRequest, type CaptureResult, captureFrames, type FrameOutput } from './capture.ts';
export { FfmpegToolCode, FfmpegToolError, isVideoError, VideoErrorCode, videoError } from './errors.ts';
export { type FrameMetrics, frameMetrics, HASH_BITS, hammingDistance } from './frame-metrics.ts';
export { DEFAULT_HLS_RENDITIONS, encodeHls, type HlsContext, type HlsOptions, type HlsRendition, type HlsResult } from './hls.ts';
export { type Poster, type PosterOptions, poster } from './poster.ts';
export { type MediaProbe, probe, type VideoStreamInfo } from './probe.ts';
export { WORK_DIR_PREFIX, withWorkDir } from './work-dir.ts';
