import type { CfnResource } from '../assembly/template.ts';
import type { ResourceIndex } from './resource-index.ts';
import { supportLevel } from './support.ts';

export interface Inventory {
  /** Lambda functions that only serve custom resources at deploy time (never invoked locally). */
  readonly deployTimeFunctions: ReadonlySet<string>;
  /** `Type (LogicalId)` of every resource the runtime does not emulate and nothing local needs. */
  readonly unsupported: readonly string[];
  /** Count per type of resources that exist for AWS only (IAM, logs, alarms, policies…). */
  readonly notNeeded: ReadonlyMap<string, number>;
  /** Resources whose data the template encrypts with a customer-managed KMS key (not applied locally). */
  readonly kmsEncrypted: readonly string[];
}

/** An unsupported resource that names a function: a trigger or target the runtime would silently drop. */
export interface UnsupportedTrigger {
  readonly stackName: string;
  readonly logicalId: string;
  readonly type: string;
  /** Logical ids of the functions it names. */
  readonly functions: readonly string[];
}

const isCustomResource = (type: string) => type.startsWith('Custom::') || type === 'AWS::CloudFormation::CustomResource';

/** Sorts an assembly's resources into what runs locally, what is moot, and what is missing. */
export function takeInventory(index: ResourceIndex): Inventory {
  const deployTimeFunctions = new Set<string>();
  for (const stack of index.stacks) {
    for (const resource of Object.values(stack.template.Resources ?? {})) {
      const token = resource.Properties?.ServiceToken as { 'Fn::GetAtt'?: [string, string] } | undefined;
      const target = token?.['Fn::GetAtt']?.[0];
      if (isCustomResource(resource.Type) && target) deployTimeFunctions.add(`${stack.stackName}/${target}`);
    }
  }
  const unsupported: string[] = [];
  const notNeeded = new Map<string, number>();
  for (const stack of index.stacks) {
    for (const [logicalId, resource] of Object.entries(stack.template.Resources ?? {})) {
      const level = supportLevel(resource.Type);
      if (resource.Type === 'AWS::Lambda::Function' && deployTimeFunctions.has(`${stack.stackName}/${logicalId}`)) {
        notNeeded.set('deploy-time custom resource handler', (notNeeded.get('deploy-time custom resource handler') ?? 0) + 1);
      } else if (level === 'not-needed') {
        notNeeded.set(resource.Type, (notNeeded.get(resource.Type) ?? 0) + 1);
      } else if (level === 'unsupported') {
        unsupported.push(`${resource.Type} (${logicalId})`);
      }
    }
  }
  return { deployTimeFunctions, unsupported, notNeeded, kmsEncrypted: kmsEncryptedResources(index) };
}

/** The properties through which buckets, queues, tables, log groups and topics name their KMS key. */
const KMS_KEY_PROPERTIES = new Set(['KMSMasterKeyID', 'KMSMasterKeyId', 'KmsMasterKeyId', 'KmsKeyId']);

function namesKmsKey(value: unknown): boolean {
  if (Array.isArray(value)) return value.some(namesKmsKey);
  if (value === null || typeof value !== 'object') return false;
  return Object.entries(value).some(([key, inner]) => (KMS_KEY_PROPERTIES.has(key) && inner !== undefined) || namesKmsKey(inner));
}

function kmsEncryptedResources(index: ResourceIndex): string[] {
  return index.stacks.flatMap((stack) =>
    Object.entries(stack.template.Resources ?? {}).flatMap(([logicalId, resource]) => (namesKmsKey(resource.Properties) ? [`${resource.Type} (${logicalId})`] : [])),
  );
}

/**
 * Unsupported resources (an EventBridge rule, an SNS subscription, a schedule, …) that name one of
 * `functions` (`<stack>/<logicalId>` of functions that run locally): each is a trigger or target
 * the runtime cannot run, so the function would never see those events. Custom resources name
 * their handler as a ServiceToken, which is deploy-time wiring, not a trigger.
 */
export function unsupportedTriggers(index: ResourceIndex, functions: ReadonlySet<string>): UnsupportedTrigger[] {
  const found: UnsupportedTrigger[] = [];
  for (const stack of index.stacks) {
    const resources = stack.template.Resources ?? {};
    const local = Object.keys(resources).filter((id) => functions.has(`${stack.stackName}/${id}`));
    if (local.length === 0) continue;
    for (const [logicalId, resource] of Object.entries(resources)) {
      if (supportLevel(resource.Type) !== 'unsupported' || isCustomResource(resource.Type)) continue;
      const named = local.filter((fn) => references(resource, fn));
      if (named.length > 0) found.push({ stackName: stack.stackName, logicalId, type: resource.Type, functions: named });
    }
  }
  return found;
}

/** Whether a resource's properties Ref or GetAtt a logical id. */
function references(resource: CfnResource, logicalId: string): boolean {
  const visit = (value: unknown): boolean => {
    if (Array.isArray(value)) return value.some(visit);
    if (value === null || typeof value !== 'object') return false;
    const object = value as Record<string, unknown>;
    if (object.Ref === logicalId) return true;
    const getAtt = object['Fn::GetAtt'];
    if (Array.isArray(getAtt) && getAtt[0] === logicalId) return true;
    if (typeof getAtt === 'string' && getAtt.split('.')[0] === logicalId) return true;
    return Object.values(object).some(visit);
  };
  return visit(resource.Properties ?? {});
}
