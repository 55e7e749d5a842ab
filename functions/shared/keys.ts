/**
 * Object key layout shared by infra (grants, notification filters), handlers and the CLI.
 * Keeping it in one place is what lets a grant be scoped to exactly the keys a handler writes.
 */

export const FAILURE_PREFIX = 'failures/';

/** `failures/<input key>.json`: one failure record per input, rewritten on re-delivery. */
export function failureRecordKey(inputKey: string): string {
  return `${FAILURE_PREFIX}${inputKey}.json`;
}

/**
 * Where a pipeline's outputs for one input live: `<outputPrefix><input key without ingest prefix>/`.
 * The source's extension stays in the folder name so `a.jpg` and `a.png` never collide.
 */
export function outputFolder(inputKey: string, ingestPrefix: string, outputPrefix: string): string {
  const relative = inputKey.startsWith(ingestPrefix) ? inputKey.slice(ingestPrefix.length) : inputKey;
  return `${outputPrefix}${relative}/`;
}

export const MANIFEST_NAME = 'manifest.json';

/** S3 event keys arrive URL-encoded with '+' for space. */
export function decodeS3Key(encoded: string): string {
  return decodeURIComponent(encoded.replace(/\+/g, ' '));
}

/** The inverse of {@link decodeS3Key}, as S3 itself encodes keys in event notifications. */
export function encodeS3Key(key: string): string {
  return encodeURIComponent(key)
    .replace(/%20/g, '+')
    .replace(/%2F/g, '/')
    .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}
