import { createHash } from 'node:crypto';
import { IntrinsicResolver, type PseudoParameters } from '../assembly/intrinsics.ts';
import type { AssemblyModel, CfnResource, StackModel } from '../assembly/template.ts';
import { LOOPBACK } from '../emulators/loopback.ts';
import { LocalErrorCode, LocalRuntimeError } from '../errors.ts';
import { eventsIdentity } from '../eventbridge/identities.ts';
import { localBucketName, localFunctionName, localQueueName, localTableName } from './local-names.ts';
import { supportLevel } from './support.ts';

/** Where the emulators live and which account/region their ARNs and URLs use. */
export interface LocalEnvironment {
  readonly region: string;
  readonly accountId: string;
  /** Port of the S3+SQS emulator: queue URLs embed it. */
  readonly sqsPort: number;
  /** Port of each function URL / HTTP API server, by `<stack>/<logicalId>`. */
  readonly httpPorts?: ReadonlyMap<string, number>;
}

/** What `Ref` and `Fn::GetAtt` return for one resource, locally. */
export interface ResourceIdentity {
  readonly stackName: string;
  readonly logicalId: string;
  readonly type: string;
  readonly ref: string;
  readonly attributes: Readonly<Record<string, string>>;
}

/**
 * The local identity (name, ARN, URL) of every resource in an assembly, and an intrinsic resolver
 * per stack that uses them. Identities depend only on the assembly and the emulator port, so they
 * are known before any resource exists, which is what lets a queue's redrive policy name its DLQ.
 */
export class ResourceIndex {
  private readonly identities = new Map<string, ResourceIdentity>();
  private readonly resolving = new Set<string>();
  private readonly resolvers = new Map<string, IntrinsicResolver>();

  constructor(
    readonly assembly: AssemblyModel,
    readonly environment: LocalEnvironment,
  ) {}

  get stacks(): readonly StackModel[] {
    return this.assembly.stacks;
  }

  stack(stackName: string): StackModel {
    const stack = this.assembly.stacks.find((s) => s.stackName === stackName);
    if (!stack) throw new LocalRuntimeError(LocalErrorCode.ASSEMBLY_INVALID, `No stack named ${stackName} in the assembly`);
    return stack;
  }

  resource(stackName: string, logicalId: string): CfnResource {
    const resource = this.stack(stackName).template.Resources?.[logicalId];
    if (!resource) {
      throw new LocalRuntimeError(LocalErrorCode.INTRINSIC_UNRESOLVED, `${stackName} has no resource ${logicalId}`, { stackName, logicalId });
    }
    return resource;
  }

  /** Resources of one type across every stack, skipping those whose Condition is false. */
  resourcesOfType(type: string): { stackName: string; logicalId: string; resource: CfnResource }[] {
    const found: { stackName: string; logicalId: string; resource: CfnResource }[] = [];
    for (const stack of this.assembly.stacks) {
      for (const [logicalId, resource] of Object.entries(stack.template.Resources ?? {})) {
        if (resource.Type !== type) continue;
        if (resource.Condition && !this.resolver(stack.stackName).condition(resource.Condition)) continue;
        found.push({ stackName: stack.stackName, logicalId, resource });
      }
    }
    return found;
  }

  resolver(stackName: string): IntrinsicResolver {
    let resolver = this.resolvers.get(stackName);
    if (!resolver) {
      const stack = this.stack(stackName);
      resolver = new IntrinsicResolver({
        pseudo: this.pseudo(stackName),
        parameters: parameterDefaults(stack),
        conditions: stack.template.Conditions,
        mappings: stack.template.Mappings,
        lookup: {
          ref: (logicalId) => this.identity(stackName, logicalId).ref,
          getAtt: (logicalId, attribute) => this.attribute(stackName, logicalId, attribute),
          importValue: (name) => this.importValue(name),
        },
      });
      this.resolvers.set(stackName, resolver);
    }
    return resolver;
  }

  /** Resolves one property of a resource; `undefined` when the template leaves it out. */
  property(stackName: string, logicalId: string, name: string): unknown {
    const value = this.resource(stackName, logicalId).Properties?.[name];
    return value === undefined ? undefined : this.resolver(stackName).resolve(value, `${stackName}.${logicalId}.${name}`);
  }

  identity(stackName: string, logicalId: string): ResourceIdentity {
    const key = `${stackName}/${logicalId}`;
    const known = this.identities.get(key);
    if (known) return known;
    if (this.resolving.has(key)) {
      throw new LocalRuntimeError(LocalErrorCode.INTRINSIC_UNRESOLVED, `Circular reference through ${key}`, { stackName, logicalId });
    }
    this.resolving.add(key);
    try {
      const identity = this.computeIdentity(stackName, logicalId);
      this.identities.set(key, identity);
      return identity;
    } finally {
      this.resolving.delete(key);
    }
  }

  attribute(stackName: string, logicalId: string, attribute: string): string {
    const identity = this.identity(stackName, logicalId);
    const value = identity.attributes[attribute];
    if (value === undefined) {
      throw new LocalRuntimeError(
        LocalErrorCode.INTRINSIC_UNRESOLVED,
        `${logicalId} (${identity.type}) has no attribute ${attribute} locally`,
        { stackName, logicalId, attribute },
      );
    }
    return value;
  }

  /** The identity of a resource named by its ARN, e.g. a queue in an event source mapping. */
  findByArn(arn: string): ResourceIdentity | undefined {
    for (const stack of this.assembly.stacks) {
      for (const [logicalId, resource] of Object.entries(stack.template.Resources ?? {})) {
        if (supportLevel(resource.Type) !== 'emulated') continue;
        const identity = this.identity(stack.stackName, logicalId);
        if (identity.attributes.Arn === arn) return identity;
      }
    }
    return undefined;
  }

  private computeIdentity(stackName: string, logicalId: string): ResourceIdentity {
    const { region, accountId, sqsPort } = this.environment;
    const resource = this.resource(stackName, logicalId);
    const base = { stackName, logicalId, type: resource.Type };
    const named = (prop: string, fallback: () => string): string => {
      const value = this.property(stackName, logicalId, prop);
      return typeof value === 'string' && value.length > 0 ? value : fallback();
    };
    switch (resource.Type) {
      case 'AWS::S3::Bucket': {
        const name = named('BucketName', () => localBucketName(stackName, logicalId));
        return {
          ...base,
          ref: name,
          attributes: {
            Arn: `arn:aws:s3:::${name}`,
            DomainName: `${name}.s3.amazonaws.com`,
            RegionalDomainName: `${name}.s3.${region}.amazonaws.com`,
            DualStackDomainName: `${name}.s3.dualstack.${region}.amazonaws.com`,
            WebsiteURL: `http://${name}.s3-website-${region}.amazonaws.com`,
          },
        };
      }
      case 'AWS::SQS::Queue': {
        const fifo = String(this.property(stackName, logicalId, 'FifoQueue')) === 'true';
        const name = named('QueueName', () => localQueueName(stackName, logicalId, fifo));
        // The URL format fauxqs 1.9.2 gives queues; it looks queues up by this exact string.
        const url = `http://sqs.${region}.localhost:${sqsPort}/${accountId}/${name}`;
        return { ...base, ref: url, attributes: { Arn: `arn:aws:sqs:${region}:${accountId}:${name}`, QueueName: name, QueueUrl: url } };
      }
      case 'AWS::DynamoDB::Table': {
        const name = named('TableName', () => localTableName(stackName, logicalId));
        const arn = `arn:aws:dynamodb:${region}:${accountId}:table/${name}`;
        return { ...base, ref: name, attributes: { Arn: arn, StreamArn: `${arn}/stream/1970-01-01T00:00:00.000` } };
      }
      case 'AWS::Lambda::Url': {
        const port = this.environment.httpPorts?.get(`${stackName}/${logicalId}`);
        const target = String(this.property(stackName, logicalId, 'TargetFunctionArn'));
        return { ...base, ref: target, attributes: { FunctionArn: target, FunctionUrl: `http://${LOOPBACK}:${port}/` } };
      }
      case 'AWS::ApiGatewayV2::Api': {
        const port = this.environment.httpPorts?.get(`${stackName}/${logicalId}`);
        const apiId = localApiId(stackName, logicalId);
        return { ...base, ref: apiId, attributes: { ApiId: apiId, ApiEndpoint: `http://${LOOPBACK}:${port}` } };
      }
      case 'AWS::ApiGatewayV2::Stage':
      case 'AWS::ApiGatewayV2::Route':
      case 'AWS::ApiGatewayV2::Integration':
        return { ...base, ref: localApiId(stackName, logicalId), attributes: {} };
      case 'AWS::Lambda::LayerVersion': {
        // Ref of a layer version is its ARN; one version exists locally.
        const name = named('LayerName', () => localFunctionName(stackName, logicalId));
        const arn = `arn:aws:lambda:${region}:${accountId}:layer:${name}:1`;
        return { ...base, ref: arn, attributes: { Arn: arn, LayerVersionArn: arn } };
      }
      case 'AWS::Events::EventBus':
      case 'AWS::Events::Rule':
        return { ...base, ...eventsIdentity(resource.Type, stackName, logicalId, (name) => this.property(stackName, logicalId, name), this.environment) };
      case 'AWS::Lambda::Function': {
        const name = named('FunctionName', () => localFunctionName(stackName, logicalId));
        return { ...base, ref: name, attributes: { Arn: `arn:aws:lambda:${region}:${accountId}:function:${name}` } };
      }
    }
    if (supportLevel(resource.Type) === 'unsupported') {
      throw new LocalRuntimeError(
        LocalErrorCode.RESOURCE_UNSUPPORTED,
        `${logicalId} (${resource.Type}) in ${stackName} is referenced, but the local runtime does not emulate ${resource.Type}`,
        { stackName, logicalId, type: resource.Type },
      );
    }
    // Roles, policies, log groups…: a stable placeholder is all a local reference needs.
    const service = resource.Type.split('::')[1]?.toLowerCase() ?? 'local';
    const name = `${stackName}-${logicalId}`;
    return { ...base, ref: name, attributes: { Arn: `arn:aws:${service}:${region}:${accountId}:${name}` } };
  }

  /** A stack output's value as it resolves locally (the first stack that has it). */
  output(outputId: string): unknown {
    for (const stack of this.assembly.stacks) {
      const output = stack.template.Outputs?.[outputId];
      if (output) return this.resolver(stack.stackName).resolve(output.Value, `${stack.stackName}.Outputs.${outputId}.Value`);
    }
    return undefined;
  }

  private importValue(exportName: string): unknown {
    for (const stack of this.assembly.stacks) {
      for (const [outputId, output] of Object.entries(stack.template.Outputs ?? {})) {
        if (!output.Export) continue;
        const resolver = this.resolver(stack.stackName);
        if (resolver.resolve(output.Export.Name, `${stack.stackName}.Outputs.${outputId}.Export.Name`) === exportName) {
          return resolver.resolve(output.Value, `${stack.stackName}.Outputs.${outputId}.Value`);
        }
      }
    }
    throw new LocalRuntimeError(LocalErrorCode.INTRINSIC_UNRESOLVED, `No stack in the assembly exports ${exportName}`, { exportName });
  }

  private pseudo(stackName: string): PseudoParameters {
    const { region, accountId } = this.environment;
    return {
      region,
      accountId,
      partition: 'aws',
      urlSuffix: 'amazonaws.com',
      stackName,
      stackId: `arn:aws:cloudformation:${region}:${accountId}:stack/${stackName}/00000000-0000-0000-0000-000000000000`,
    };
  }
}

/** API Gateway ids are ten lowercase alphanumerics; a hash of the resource keeps them stable. */
function localApiId(stackName: string, logicalId: string): string {
  return createHash('sha256').update(`${stackName}/${logicalId}`).digest('hex').slice(0, 10);
}

/** Parameters with a plain default; SSM-backed ones (CDK's BootstrapVersion) have no local value. */
function parameterDefaults(stack: StackModel): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const [name, parameter] of Object.entries(stack.template.Parameters ?? {})) {
    if (parameter.Default !== undefined && !parameter.Type.startsWith('AWS::SSM::')) values[name] = parameter.Default;
  }
  return values;
}
