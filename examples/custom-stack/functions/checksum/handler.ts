import { createReadStream } from 'node:fs';
import { createS3Client } from '../../../../functions/shared/aws-clients.ts';
import { PermanentError } from '../../../../functions/shared/errors.ts';
import { withObjectFile } from '../../../../functions/shared/object-file.ts';
import { createQueueWorkerHandler } from '../../../../functions/shared/queue-worker.ts';
import { loadSettings } from '../../../../functions/shared/settings.ts';
import { checksums } from './core.ts';
import { ChecksumError, checksumSettingsSchema } from './settings.ts';

const settings = loadSettings(checksumSettingsSchema);
const s3 = createS3Client();
const { algorithms, maxInputBytes } = settings.pipeline;
const tooLarge = (bytes: number) =>
  new PermanentError(ChecksumError.CHECKSUM_TOO_LARGE, `The input is ${bytes} bytes, over the ${maxInputBytes} byte limit`, { bytes, maxInputBytes });

/** Uploads stream to /tmp (any size up to the limit), are hashed, and get a `checksums.json`. */
export const handler = createQueueWorkerHandler({
  settings,
  s3,
  timeoutCode: ChecksumError.CHECKSUM_TIMEOUT,
  async processObject(object, work) {
    const options = { maxBytes: maxInputBytes, tooLarge, signal: work.signal, dir: work.scratchDir };
    const result = await withObjectFile(s3, object, options, (path) => checksums(createReadStream(path), algorithms, work.signal));
    await work.assertCurrent();
    await work.writeResult({ pipeline: settings.contract.id, key: work.resultKey, input: work.source, ...result });
  },
});
