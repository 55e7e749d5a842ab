import { createHash } from 'node:crypto';

/**
 * Deterministic local names for resources whose template leaves naming to CloudFormation. The
 * same assembly always yields the same names, so a dev session, a test and a user's
 * `aws s3 ls` all agree on where things are.
 */

export function localBucketName(stackName: string, logicalId: string): string {
  const base = `${stackName}-${logicalId}`
    .toLowerCase()
    .replace(/[^a-z0-9.-]+/g, '-')
    .replace(/-{2,}/g, '-')
    .replace(/^[^a-z0-9]+|[^a-z0-9]+$/g, '');
  return fit(base, 63);
}

export function localQueueName(stackName: string, logicalId: string, fifo: boolean): string {
  const base = fit(`${stackName}-${logicalId}`.replace(/[^A-Za-z0-9_-]+/g, '-'), fifo ? 75 : 80);
  return fifo ? `${base}.fifo` : base;
}

export function localTableName(stackName: string, logicalId: string): string {
  return fit(`${stackName}-${logicalId}`.replace(/[^A-Za-z0-9_.-]+/g, '-'), 255);
}

export function localFunctionName(stackName: string, logicalId: string): string {
  return fit(`${stackName}-${logicalId}`.replace(/[^A-Za-z0-9_-]+/g, '-'), 64);
}

/** Keeps a name within `max` characters, trading its tail for a hash so truncated names stay distinct. */
function fit(name: string, max: number): string {
  if (name.length <= max) return name;
  const hash = createHash('sha256').update(name).digest('hex').slice(0, 8);
  return `${name.slice(0, max - 9)}-${hash}`;
}
