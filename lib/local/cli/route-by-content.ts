import type { PipelineId } from '../../../functions/shared/pipeline-ids.ts';
import { sniff } from '../../../functions/shared/sniff.ts';

/**
 * Which pipeline a file belongs to, judged by its first bytes (not its name) with the same
 * sniffer the pipelines use: images and videos by their signatures, JSON by its shape (a battle
 * log names its `battleId`, a job manifest lists `images`). Pass at least SNIFF_BYTES of the head.
 * An SVG routes to the image pipeline, which refuses it with IMAGE_UNSUPPORTED_FORMAT: a clearer
 * answer than "cannot route".
 */
export function pipelineForContent(head: Uint8Array): PipelineId | undefined {
  const { kind } = sniff(head);
  if (kind === 'image') return 'image';
  if (kind === 'video') return 'video';
  if (kind === 'data') return jsonPipeline(head);
  return undefined;
}

/** The content type to upload with: the sniffed one, except that a battle log is JSON by definition. */
export function contentTypeFor(pipeline: PipelineId, head: Uint8Array): string {
  return pipeline === 'settlement' ? 'application/json' : sniff(head).contentType;
}

/** The head may end mid-document, so the shape is judged by its first keys, not by parsing. */
function jsonPipeline(head: Uint8Array): PipelineId | undefined {
  const text = Buffer.from(head.buffer, head.byteOffset, head.byteLength).toString('utf8').trimStart();
  if (!text.startsWith('{')) return undefined;
  if (/"battleId"\s*:/.test(text)) return 'settlement';
  if (/"images"\s*:\s*\[/.test(text)) return 'inference';
  return undefined;
}
