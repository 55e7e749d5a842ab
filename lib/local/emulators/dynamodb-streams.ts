import { LocalErrorCode, LocalRuntimeError } from '../errors.ts';
import type { ResourceIndex } from '../resources/resource-index.ts';

/** arn:aws:dynamodb:<region>:<account>:table/<name>/stream/<label> */
const STREAM_ARN = /^arn:aws[a-z-]*:dynamodb:[^:]*:[^:]*:table\/([^/]+)\/stream\/.+$/;

export interface StreamConsumer {
  readonly mapping: string;
  readonly stackName: string;
  readonly functionName: string;
  readonly streamArn: string;
  /** The table's logical id, when the stream belongs to a table of the assembly. */
  readonly table?: string;
}

/**
 * Event source mappings that read a DynamoDB stream (of a table in the assembly or not), and the
 * tables whose StreamSpecification nothing reads. Disabled mappings consume nothing, as in
 * createPollers.
 */
export function findTableStreams(index: ResourceIndex): { consumers: StreamConsumer[]; unconsumed: string[] } {
  const streamTables = new Map<string, string>();
  for (const { stackName, logicalId } of index.resourcesOfType('AWS::DynamoDB::Table')) {
    if (index.property(stackName, logicalId, 'StreamSpecification') === undefined) continue;
    streamTables.set(index.identity(stackName, logicalId).attributes.StreamArn!, `${logicalId} in ${stackName}`);
  }
  const consumers: StreamConsumer[] = [];
  for (const { stackName, logicalId } of index.resourcesOfType('AWS::Lambda::EventSourceMapping')) {
    const enabled = index.property(stackName, logicalId, 'Enabled');
    if (enabled === false || enabled === 'false') continue;
    const streamArn = String(index.property(stackName, logicalId, 'EventSourceArn'));
    if (!streamTables.has(streamArn) && !STREAM_ARN.test(streamArn)) continue;
    const table = streamTables.get(streamArn);
    consumers.push({
      mapping: logicalId,
      stackName,
      functionName: String(index.property(stackName, logicalId, 'FunctionName')),
      streamArn,
      ...(table ? { table } : {}),
    });
  }
  const consumed = new Set(consumers.map((c) => c.streamArn));
  const unconsumed = [...streamTables].filter(([arn]) => !consumed.has(arn)).map(([, table]) => table);
  return { consumers, unconsumed };
}

/**
 * The local runtime does not run DynamoDB streams: start fails when a function consumes one
 * (naming the stream and the function), and one warning names the streams nothing consumes.
 */
export function checkTableStreams(index: ResourceIndex, warn: (message: string) => void): void {
  const { consumers, unconsumed } = findTableStreams(index);
  if (consumers.length > 0) {
    const uses = consumers.map(
      (c) => `${c.functionName} reads the stream ${c.streamArn}${c.table ? ` of table ${c.table}` : ''} (event source mapping ${c.mapping} in ${c.stackName})`,
    );
    throw new LocalRuntimeError(
      LocalErrorCode.RESOURCE_UNSUPPORTED,
      `The local runtime does not run DynamoDB streams: ${uses.join('; ')}`,
      { mappings: consumers.map((c) => c.mapping), streams: consumers.map((c) => c.streamArn) },
    );
  }
  if (unconsumed.length > 0) {
    warn(`DynamoDB streams are not emulated locally; nothing consumes these, so they are ignored: ${unconsumed.join(', ')}`);
  }
}
