import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import { PermanentError } from '../shared/errors.ts';
import type { BinaryPaths } from '../shared/ffmpeg/binaries.ts';
import { VideoErrorCode, videoError } from '../shared/ffmpeg/errors.ts';
import { encodeHls } from '../shared/ffmpeg/hls.ts';
import { poster } from '../shared/ffmpeg/poster.ts';
import type { MediaProbe } from '../shared/ffmpeg/probe.ts';
import { thresholdsFor } from '../shared/moderation/config.ts';
import type { ModerationProvider } from '../shared/moderation/provider.ts';
import { moderationReport, type Verdict } from '../shared/moderation/verdict.ts';
import { withObjectFile } from '../shared/object-file.ts';
import { relativeKey } from '../shared/pipeline-contract.ts';
import type { ObjectWork } from '../shared/queue-worker.ts';
import type { S3ObjectRef } from '../shared/s3-event.ts';
import type { HandlerSettings } from '../shared/settings.ts';
import { uploadTaskId } from '../shared/tasks/task-id.ts';
import { captureVideo, type VideoCaptureResult } from './core.ts';
import { VideoPipelineErrorCode } from './error-codes.ts';
import { quarantine, quarantineKeyOf } from './quarantine.ts';
import { buildReport, frameKey, streamIdOf, type VideoReport } from './report.ts';
import type { VideoSettings } from './settings.ts';
import { recordStreamSegment, streamStateKey } from './stream-state.ts';

/** The `Moderation Verdict` event's detail-type on the kit bus. */
export const MODERATION_VERDICT_EVENT = 'Moderation Verdict';

export interface VideoProcessorDependencies {
  readonly settings: HandlerSettings<VideoSettings>;
  readonly s3: S3Client;
  readonly binaries: BinaryPaths;
  /** The moderation provider, made once per environment (the nsfwjs model loads on first use). */
  readonly provider: () => Promise<ModerationProvider>;
  /** Publishes on the kit bus; absent when the pipeline has no bus (no events). */
  readonly publish?: (detailType: string, detail: object) => Promise<void>;
}

/** Uploads written at most this many at a time: frames and HLS segments are many small objects. */
const WRITE_CONCURRENCY = 8;

/**
 * One video, start to end: stream the object to this object's scratch dir (capture seeks many
 * times; a local file answers each seek at disk speed, where a presigned URL would pay a request
 * per seek), inspect + capture + dedupe (the core), moderate, the preset's extras (HLS, poster,
 * the live stream's verdict), quarantine a blocked upload, then the report last and the event.
 */
export function createVideoProcessor(deps: VideoProcessorDependencies): (object: S3ObjectRef, work: ObjectWork) => Promise<void> {
  const { settings, s3, binaries } = deps;
  const options = settings.pipeline;
  const { contract, resultsBucket } = settings;
  const tooLarge = (bytes: number) =>
    new PermanentError(VideoPipelineErrorCode.VIDEO_TOO_LARGE, `The video is ${bytes} bytes, over the ${options.maxInputBytes} byte limit`, {
      bytes,
      maxInputBytes: options.maxInputBytes,
    });

  return async (object, work) => {
    const rel = relativeKey(contract, object.key);
    const streamId = streamIdOf(rel, options.liveSegments);
    const context = { signal: work.signal, workDir: work.scratchDir };
    const produced = await withObjectFile(s3, object, { maxBytes: options.maxInputBytes, tooLarge, signal: work.signal, dir: work.scratchDir }, async (path) => {
      const captureStarted = performance.now();
      const capture = await work.withinBudget(() => captureVideo(binaries, path, options, context));
      const captureMs = performance.now() - captureStarted;
      // A verdict on no frames would be an `allow` nobody looked at.
      if (capture.frames.length === 0) {
        throw videoError(VideoErrorCode.VIDEO_CORRUPT, `no frame of the ${capture.source.container} video could be decoded`, { codec: capture.source.codec, strategy: capture.strategy });
      }
      const moderationStarted = performance.now();
      const provider = await work.withinBudget(deps.provider());
      const classified = await work.withinBudget(() => provider.classify(capture.frames.map((frame) => ({ jpeg: frame.jpeg, timestampMs: Math.round(frame.timestamp * 1000) }))));
      const moderationMs = performance.now() - moderationStarted;
      let hls: { dir: string; result: Awaited<ReturnType<typeof encodeHls>>; durationMs: number } | undefined;
      if (options.hls.enabled) {
        const started = performance.now();
        const outDir = join(work.scratchDir, 'hls');
        const result = await work.withinBudget(() =>
          encodeHls(binaries, path, probeOf(capture), { renditions: options.hls.renditions, segmentSeconds: options.hls.segmentSeconds }, { signal: work.signal, outDir }),
        );
        hls = { dir: outDir, result, durationMs: performance.now() - started };
      }
      return { capture, captureMs, classified, moderationMs, provider, hls };
    });
    const { capture, classified, provider, hls } = produced;

    const frameKeys = capture.frames.map((frame, i) => frameKey(work.outputFolder, i, frame.timestamp));
    const thresholds = thresholdsFor(options.moderation);
    const moderation = moderationReport({
      provider: { name: provider.name, ...(provider.model ? { model: provider.model } : {}) },
      frames: classified.map((c, i) => ({ ...c, key: frameKeys[i]! })),
      thresholds,
      segmentGapMs: options.moderation.segmentGapMs,
      maxEvidenceFrames: options.moderation.maxEvidenceFrames,
    });
    const posterImage = options.poster.enabled
      ? await work.withinBudget(() => poster(capture.frames, { candidates: options.poster.candidates, longSide: options.poster.longSide, minSharpness: options.poster.minSharpness }))
      : undefined;

    await work.assertCurrent();
    const writes: Array<() => Promise<void>> = capture.frames.map((frame, i) => () => work.writeOutput(frameKeys[i]!, frame.jpeg, 'image/jpeg'));
    const posterKey = `${work.outputFolder}poster.jpg`;
    if (posterImage) writes.push(() => work.writeOutput(posterKey, posterImage.jpeg, 'image/jpeg'));
    const hlsPrefix = `${work.outputFolder}hls/`;
    for (const file of hls?.result.files ?? []) {
      writes.push(async () => work.writeOutput(`${hlsPrefix}${file}`, await readFile(join(hls!.dir, file)), hlsContentType(file)));
    }
    await inBatches(writes, WRITE_CONCURRENCY);

    let stream: VideoReport['stream'];
    if (streamId !== undefined) {
      const stateKey = streamStateKey(contract.outputPrefix, streamId);
      const state = await recordStreamSegment(s3, resultsBucket, stateKey, { streamId, segmentKey: object.key, verdict: moderation.verdict }, work.signal);
      stream = { ...state, stateKey };
    }

    let quarantined: VideoReport['quarantine'];
    if (moderation.verdict === 'block' && options.quarantine.enabled) {
      quarantined = await quarantine(
        s3,
        object,
        { bucket: resultsBucket, key: quarantineKeyOf(options.quarantine.prefix, object.key), tagOriginal: options.quarantine.tagOriginal, reportKey: work.resultKey },
        work.signal,
      );
    }

    const report = buildReport({
      input: work.source,
      pipeline: contract.id,
      capture,
      captureMs: produced.captureMs,
      frameKeys,
      moderation,
      moderationMs: produced.moderationMs,
      labelsPerFrame: classified.map((c) => c.labels),
      ...(hls ? { hls: { masterKey: `${hlsPrefix}${hls.result.masterPlaylist}`, result: hls.result, durationMs: hls.durationMs } } : {}),
      ...(posterImage
        ? { poster: { key: posterKey, timestamp: posterImage.timestamp, width: posterImage.width, height: posterImage.height, sharpEnough: posterImage.sharpEnough } }
        : {}),
      ...(stream ? { stream } : {}),
      ...(quarantined ? { quarantine: quarantined } : {}),
    });
    await work.writeResult(report);

    // The verdict a subscriber acts on: a live segment reports its stream's standing verdict too.
    const announced: Verdict = stream ? stream.verdict : moderation.verdict;
    if (deps.publish && (options.events.verdicts.includes(moderation.verdict) || (stream && options.events.verdicts.includes(announced)))) {
      await deps.publish(MODERATION_VERDICT_EVENT, verdictEventDetail(object, contract.id, work.resultKey, report));
    }
  };
}

/** What a reviewer's subscriber gets: ids and keys, never media. */
export function verdictEventDetail(object: S3ObjectRef, pipeline: string, resultKey: string, report: VideoReport) {
  const eventTimeMs = object.eventTime ? Date.parse(object.eventTime) : Number.NaN;
  return {
    pipeline,
    ...(Number.isFinite(eventTimeMs)
      ? { taskId: uploadTaskId({ bucket: object.bucket, key: object.key, ...(object.sequencer ? { sequencer: object.sequencer } : {}), ...(object.eTag ? { eTag: object.eTag } : {}), eventTimeMs }) }
      : {}),
    input: report.input,
    resultKey,
    verdict: report.verdict,
    labels: [...new Set(report.segments.map((s) => s.label))],
    segments: report.segments.length,
    flaggedFrames: report.moderation.flaggedFrames,
    evidenceKeys: report.moderation.evidence.flatMap((e) => (e.key ? [e.key] : [])),
    ...(report.moderation.model ? { model: report.moderation.model } : { provider: report.moderation.provider }),
    ...(report.stream ? { stream: { id: report.stream.streamId, verdict: report.stream.verdict, stateKey: report.stream.stateKey } } : {}),
    ...(report.quarantine ? { quarantine: report.quarantine } : {}),
  };
}

/** encodeHls needs the probe's stream facts; the capture result carries them. */
function probeOf(capture: VideoCaptureResult): MediaProbe {
  const s = capture.source;
  return {
    formatName: s.formatName,
    durationSeconds: s.durationSeconds,
    startTimeSeconds: 0,
    video: { index: 0, codec: s.codec, width: s.width, height: s.height, rotation: s.rotation, displayWidth: s.displayWidth, displayHeight: s.displayHeight, frameRate: s.frameRate },
    audioCodecs: s.audioCodecs,
    prober: 'ffprobe',
  };
}

function hlsContentType(file: string): string {
  if (file.endsWith('.m3u8')) return 'application/vnd.apple.mpegurl';
  if (file.endsWith('.ts')) return 'video/mp2t';
  return 'application/octet-stream';
}

async function inBatches(tasks: ReadonlyArray<() => Promise<void>>, concurrency: number): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, tasks.length) }, async () => {
      while (next < tasks.length) await tasks[next++]!();
    }),
  );
}
