import { localFunctionName } from '../resources/local-names.ts';

/** Reads one resolved property of the resource whose identity is being computed. */
export type PropertyReader = (name: string) => unknown;

/**
 * What `Ref` and `Fn::GetAtt` give for EventBridge resources, as CloudFormation defines them: a
 * bus is its name (Arn `…:event-bus/NAME`); a rule is its name, `BUS|NAME` on a custom bus (Arn
 * `…:rule/NAME` or `…:rule/BUS/NAME`). A rule without a Name gets a stable local one.
 */
export function eventsIdentity(
  type: 'AWS::Events::EventBus' | 'AWS::Events::Rule',
  stackName: string,
  logicalId: string,
  property: PropertyReader,
  where: { readonly region: string; readonly accountId: string },
): { ref: string; attributes: Record<string, string> } {
  const prefix = `arn:aws:events:${where.region}:${where.accountId}`;
  if (type === 'AWS::Events::EventBus') {
    const name = stringProperty(property('Name')) ?? localFunctionName(stackName, logicalId);
    return { ref: name, attributes: { Arn: `${prefix}:event-bus/${name}`, Name: name } };
  }
  const name = stringProperty(property('Name')) ?? localFunctionName(stackName, logicalId);
  const bus = busName(property('EventBusName'));
  const custom = bus !== 'default';
  return { ref: custom ? `${bus}|${name}` : name, attributes: { Arn: custom ? `${prefix}:rule/${bus}/${name}` : `${prefix}:rule/${name}` } };
}

/** A bus named by name or by ARN; none means the default bus. */
export function busName(value: unknown): string {
  const text = stringProperty(value) ?? 'default';
  const arn = /^arn:[^:]+:events:[^:]*:[^:]*:event-bus\/(.+)$/.exec(text);
  return arn ? arn[1]! : text;
}

function stringProperty(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}
