import { type Stack } from 'aws-cdk-lib';
import type { Template } from 'aws-cdk-lib/assertions';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as logs from 'aws-cdk-lib/aws-logs';
import { describe, expect, it } from 'vitest';
import { nagPacks } from '../../lib/app.ts';
import { takeInventory } from '../../lib/local/resources/inventory.ts';
import type { ResourceIndex } from '../../lib/local/resources/resource-index.ts';
import { KitFunction } from '../../lib/constructs/kit-function.ts';
import { presetNames } from '../../lib/presets/index.ts';
import { resources, synthKit } from './synth.ts';

const CREATED = { network: { create: true } };
const IMPORTED = {
  vpcId: 'vpc-0123456789abcdef0',
  availabilityZones: ['us-east-1a', 'us-east-1b'],
  subnetIds: ['subnet-0aaaaaaaaaaaaaaa1', 'subnet-0bbbbbbbbbbbbbbb2'],
  routeTableIds: ['rtb-0aaaaaaaaaaaaaaa1', 'rtb-0bbbbbbbbbbbbbbb2'],
};

/** aws-cdk-lib's deploy-time handlers (custom resources), which never serve a request. */
const DEPLOY_TIME_HANDLER = /^(BucketNotificationsHandler|AWS679f53fac002430cb0da5b7982bd2287|CustomVpcRestrictDefaultSG|CustomS3AutoDeleteObjects)/;

function logicalId(stack: Stack, construct: { node: { defaultChild?: unknown } }): string {
  return stack.getLogicalId(construct.node.defaultChild as ec2.CfnSecurityGroup);
}

/** The kit's own functions (KitFunction) by logical id, with the owner each was placed for. */
function kitFunctions(stack: Stack, template: Template): Map<string, string> {
  const functions = resources(template, 'AWS::Lambda::Function');
  const out = new Map<string, string>();
  for (const kit of stack.node.findAll().filter((c): c is KitFunction => c instanceof KitFunction)) {
    const id = stack.getLogicalId(kit.function.node.defaultChild as lambda.CfnFunction);
    out.set(id, functions[id]!.Properties.Environment.Variables.POWERTOOLS_SERVICE_NAME);
  }
  return out;
}

function subnetIdsOfType(template: Template, name: 'Private' | 'Egress' | 'Public'): string[] {
  return Object.entries(resources(template, 'AWS::EC2::Subnet'))
    .filter(([, r]) => (r.Properties.Tags as { Key: string; Value: string }[]).some((t) => t.Key === 'aws-cdk:subnet-name' && t.Value === name))
    .map(([id]) => id)
    .sort();
}

function routeTablesOf(template: Template, subnets: string[]): string[] {
  return Object.values(resources(template, 'AWS::EC2::SubnetRouteTableAssociation'))
    .filter((r) => subnets.includes(r.Properties.SubnetId.Ref))
    .map((r) => r.Properties.RouteTableId.Ref as string)
    .sort();
}

const refs = (values: { Ref?: string; 'Fn::GetAtt'?: string[] }[]) => values.map((v) => v.Ref ?? v['Fn::GetAtt']![0]!).sort();

describe('network: a created VPC nobody opted into the internet from', () => {
  const { stack, template } = synthKit('all', CREATED, { nag: false });
  const network = stack.network!;
  const functionSg = logicalId(stack, network.functionSecurityGroup!);
  const endpointSg = logicalId(stack, network.endpointSecurityGroup!);
  const isolated = subnetIdsOfType(template, 'Private');

  it('places every kit function in the isolated subnets with the functions\' security group only', () => {
    const functions = resources(template, 'AWS::Lambda::Function');
    const kit = kitFunctions(stack, template);
    expect(kit.size).toBeGreaterThanOrEqual(8);
    expect(new Set(kit.values())).toEqual(new Set(['image', 'video', 'settlement', 'inference', 'leaderboard', 'inference-index', 'task-api', 'task-recorder']));
    for (const id of kit.keys()) {
      const vpcConfig = functions[id]!.Properties.VpcConfig;
      expect(vpcConfig, id).toBeDefined();
      expect(refs(vpcConfig.SubnetIds), id).toEqual(isolated);
      expect(refs(vpcConfig.SecurityGroupIds), id).toEqual([functionSg]);
    }
    // Every other function is one of aws-cdk-lib's deploy-time custom-resource handlers.
    const outside = Object.keys(functions).filter((id) => !kit.has(id));
    for (const id of outside) expect(id).toMatch(DEPLOY_TIME_HANDLER);
    expect(isolated).toHaveLength(2);
  });

  it('has gateway endpoints for S3 and DynamoDB on the isolated route tables and interface endpoints with private DNS', () => {
    const endpoints = Object.values(resources(template, 'AWS::EC2::VPCEndpoint'));
    const service = (e: { Properties: Record<string, any> }) => (e.Properties.ServiceName['Fn::Join'][1] as string[]).at(-1)!.slice(1);
    const gateways = endpoints.filter((e) => e.Properties.VpcEndpointType === 'Gateway');
    expect(gateways.map(service).sort()).toEqual(['dynamodb', 's3']);
    for (const gw of gateways) expect(refs(gw.Properties.RouteTableIds)).toEqual(routeTablesOf(template, isolated));
    const interfaces = endpoints.filter((e) => e.Properties.VpcEndpointType === 'Interface');
    expect(interfaces.map(service).sort()).toEqual(['events', 'logs', 'sqs', 'xray']);
    for (const ep of interfaces) {
      expect(ep.Properties.PrivateDnsEnabled).toBe(true);
      expect(refs(ep.Properties.SubnetIds)).toEqual(isolated);
      expect(refs(ep.Properties.SecurityGroupIds)).toEqual([endpointSg]);
    }
  });

  it('has no NAT gateway, internet gateway, public subnet or route out of the VPC', () => {
    for (const type of ['AWS::EC2::NatGateway', 'AWS::EC2::InternetGateway', 'AWS::EC2::VPCGatewayAttachment', 'AWS::EC2::EIP', 'AWS::EC2::Route']) {
      expect(Object.keys(resources(template, type)), type).toEqual([]);
    }
    expect(subnetIdsOfType(template, 'Public')).toEqual([]);
  });

  it("lets the functions' security group open only HTTPS to the interface endpoints and the S3 and DynamoDB prefix lists", () => {
    const groups = resources(template, 'AWS::EC2::SecurityGroup');
    // No inline egress: CloudFormation then keeps only the explicit egress rules below.
    expect(groups[functionSg]!.Properties.SecurityGroupEgress).toBeUndefined();
    expect(groups[functionSg]!.Properties.SecurityGroupIngress).toBeUndefined();
    const egress = Object.values(resources(template, 'AWS::EC2::SecurityGroupEgress')).filter((r) => r.Properties.GroupId['Fn::GetAtt'][0] === functionSg);
    expect(egress).toHaveLength(3);
    for (const rule of egress) expect(rule.Properties).toMatchObject({ IpProtocol: 'tcp', FromPort: 443, ToPort: 443 });
    expect(egress.map((r) => r.Properties.CidrIp)).toEqual([undefined, undefined, undefined]);
    expect(egress.find((r) => r.Properties.DestinationSecurityGroupId)?.Properties.DestinationSecurityGroupId).toEqual({ 'Fn::GetAtt': [endpointSg, 'GroupId'] });
    const prefixLists = egress.flatMap((r) => (r.Properties.DestinationPrefixListId ? [r.Properties.DestinationPrefixListId['Fn::GetAtt'][0] as string] : []));
    expect(prefixLists).toHaveLength(2);
    const lookups = resources(template, 'Custom::AWS');
    const lookedUp = prefixLists.map((id) => JSON.stringify(lookups[id]!.Properties.Create ?? lookups[id]!.Properties.Update)).map((call) => call.match(/\.(s3|dynamodb)\\"/)?.[1]);
    expect(lookedUp.sort()).toEqual(['dynamodb', 's3']);

    // The endpoints accept HTTPS from the functions only and open nothing themselves.
    const ingress = Object.values(resources(template, 'AWS::EC2::SecurityGroupIngress')).filter((r) => r.Properties.GroupId['Fn::GetAtt'][0] === endpointSg);
    expect(ingress.map((r) => r.Properties)).toEqual([expect.objectContaining({ IpProtocol: 'tcp', FromPort: 443, ToPort: 443, SourceSecurityGroupId: { 'Fn::GetAtt': [functionSg, 'GroupId'] } })]);
    expect(groups[endpointSg]!.Properties.SecurityGroupEgress).toEqual([expect.objectContaining({ CidrIp: '255.255.255.255/32', Description: 'Disallow all traffic' })]);
    for (const [id, group] of Object.entries(groups)) {
      for (const rule of group.Properties.SecurityGroupIngress ?? []) expect(rule.CidrIp, id).not.toBe('0.0.0.0/0');
    }
  });

  it('logs all VPC traffic to a log group with the kit retention and closes the default security group', () => {
    const flowLogs = Object.values(resources(template, 'AWS::EC2::FlowLog'));
    expect(flowLogs).toHaveLength(1);
    expect(flowLogs[0]!.Properties).toMatchObject({ ResourceType: 'VPC', TrafficType: 'ALL', LogDestinationType: 'cloud-watch-logs' });
    const group = resources(template, 'AWS::Logs::LogGroup')[flowLogs[0]!.Properties.LogGroupName.Ref]!;
    expect(group.Properties.RetentionInDays).toBe(30);
    expect(Object.keys(resources(template, 'Custom::VpcRestrictDefaultSG'))).toHaveLength(1);
  });

  it('grants each function the ENI actions of AWSLambdaVPCAccessExecutionRole, creation scoped to the kit subnets and group', () => {
    const transcode = stack.imagePipeline!.worker.role;
    const policy = Object.values(resources(template, 'AWS::IAM::Policy')).find((p) => p.Properties.Roles.some((r: { Ref: string }) => r.Ref === stack.getLogicalId(transcode.node.defaultChild as iam.CfnRole)))!;
    const statements = policy.Properties.PolicyDocument.Statement as { Action: string | string[]; Resource: unknown }[];
    const byAction = (action: string) => statements.find((s) => [s.Action].flat().includes(action))!;
    const create = JSON.stringify(byAction('ec2:CreateNetworkInterface').Resource);
    for (const subnet of isolated) expect(create).toContain(subnet);
    expect(create).toContain(functionSg);
    expect(create).toContain(':network-interface/*');
    expect(create).not.toContain('"*"');
    for (const action of ['ec2:AssignPrivateIpAddresses', 'ec2:UnassignPrivateIpAddresses']) {
      expect(JSON.stringify(byAction(action).Resource), action).toMatch(/:network-interface\/\*"\]\]\}$/);
    }
    expect(JSON.stringify(byAction('ec2:DeleteNetworkInterface').Resource)).toMatch(/\{"Ref":"AWS::AccountId"\},":\*\/\*"\]\]\}$/);
    for (const action of ['ec2:DescribeNetworkInterfaces', 'ec2:DescribeSubnets']) expect(byAction(action).Resource).toBe('*');
  });
});

describe('network: the internet opt-in', () => {
  const { stack, template } = synthKit('all', { network: { create: true, internetAccess: ['inference'] } }, { nag: false });
  const network = stack.network!;
  const functionSg = logicalId(stack, network.functionSecurityGroup!);
  const internetSg = logicalId(stack, network.internetSecurityGroup!);

  it('adds one NAT gateway behind public subnets that assign no public addresses', () => {
    expect(Object.keys(resources(template, 'AWS::EC2::NatGateway'))).toHaveLength(1);
    expect(Object.keys(resources(template, 'AWS::EC2::InternetGateway'))).toHaveLength(1);
    const publicSubnets = subnetIdsOfType(template, 'Public');
    expect(publicSubnets).toHaveLength(2);
    for (const id of publicSubnets) expect(resources(template, 'AWS::EC2::Subnet')[id]!.Properties.MapPublicIpOnLaunch).toBe(false);
  });

  it('puts only the opted-in owner in the egress subnets with the internet security group', () => {
    const functions = resources(template, 'AWS::Lambda::Function');
    const egress = subnetIdsOfType(template, 'Egress');
    const isolated = subnetIdsOfType(template, 'Private');
    for (const [id, owner] of kitFunctions(stack, template)) {
      const vpcConfig = functions[id]!.Properties.VpcConfig;
      if (owner === 'inference') {
        expect(refs(vpcConfig.SubnetIds), id).toEqual(egress);
        expect(refs(vpcConfig.SecurityGroupIds), id).toEqual([functionSg, internetSg].sort());
      } else {
        expect(refs(vpcConfig.SubnetIds), `${owner} ${id}`).toEqual(isolated);
        expect(refs(vpcConfig.SecurityGroupIds), `${owner} ${id}`).toEqual([functionSg]);
      }
    }
    const internet = resources(template, 'AWS::EC2::SecurityGroup')[internetSg]!;
    expect(internet.Properties.SecurityGroupEgress).toEqual([expect.objectContaining({ CidrIp: '0.0.0.0/0', IpProtocol: 'tcp', FromPort: 443, ToPort: 443 })]);
  });

  it('routes the gateway endpoints from the egress subnets too, so S3 and DynamoDB traffic skips the NAT', () => {
    const all = routeTablesOf(template, [...subnetIdsOfType(template, 'Private'), ...subnetIdsOfType(template, 'Egress')]);
    for (const gw of Object.values(resources(template, 'AWS::EC2::VPCEndpoint')).filter((e) => e.Properties.VpcEndpointType === 'Gateway')) {
      expect(refs(gw.Properties.RouteTableIds)).toEqual(all);
    }
  });

  it('refuses an opt-in for an owner with no function in the stack (a NAT gateway for nothing)', () => {
    expect(() => synthKit('games', { network: { create: true, internetAccess: ['video'] } }, { nag: false })).toThrow(
      /network\.internetAccess: 'video' has no function in this stack \(its functions: .*settlement/,
    );
  });
});

describe('network: an existing VPC', () => {
  it('synthesizes offline (no context lookup) and places functions in the given subnets', () => {
    const { app, stack, template } = synthKit('all', { network: IMPORTED }, { nag: false });
    expect(app.synth().manifest.missing ?? []).toEqual([]);
    for (const type of ['AWS::EC2::VPC', 'AWS::EC2::Subnet', 'AWS::EC2::FlowLog', 'AWS::EC2::NatGateway']) expect(Object.keys(resources(template, type)), type).toEqual([]);
    const functions = resources(template, 'AWS::Lambda::Function');
    const functionSg = logicalId(stack, stack.network!.functionSecurityGroup!);
    for (const id of kitFunctions(stack, template).keys()) {
      expect(functions[id]!.Properties.VpcConfig.SubnetIds, id).toEqual(IMPORTED.subnetIds);
      expect(refs(functions[id]!.Properties.VpcConfig.SecurityGroupIds), id).toEqual([functionSg]);
    }
    const endpoints = Object.values(resources(template, 'AWS::EC2::VPCEndpoint'));
    expect(endpoints).toHaveLength(6);
    for (const ep of endpoints) {
      expect(ep.Properties.VpcId).toBe(IMPORTED.vpcId);
      if (ep.Properties.VpcEndpointType === 'Gateway') expect(ep.Properties.RouteTableIds).toEqual(IMPORTED.routeTableIds);
      else expect(ep.Properties.SubnetIds).toEqual(IMPORTED.subnetIds);
    }
  });

  it('uses existing security groups as given, never modifying them, and skips endpoints the VPC already has', () => {
    const securityGroupIds = ['sg-0123456789abcdef0'];
    const { stack, template } = synthKit('all', { network: { ...IMPORTED, securityGroupIds, endpoints: false } }, { nag: false });
    expect(stack.network!.functionSecurityGroup).toBeUndefined();
    for (const type of ['AWS::EC2::VPCEndpoint', 'AWS::EC2::SecurityGroup', 'AWS::EC2::SecurityGroupEgress', 'AWS::EC2::SecurityGroupIngress', 'Custom::AWS']) {
      expect(Object.keys(resources(template, type)), type).toEqual([]);
    }
    const functions = resources(template, 'AWS::Lambda::Function');
    for (const id of kitFunctions(stack, template).keys()) expect(functions[id]!.Properties.VpcConfig.SecurityGroupIds, id).toEqual(securityGroupIds);
  });

  it('gives an opted-in owner the internet security group in the given subnets (which must route to a NAT)', () => {
    const { stack, template } = synthKit('games', { network: { ...IMPORTED, internetAccess: ['leaderboard'] } }, { nag: false });
    const functions = resources(template, 'AWS::Lambda::Function');
    const functionSg = logicalId(stack, stack.network!.functionSecurityGroup!);
    const internetSg = logicalId(stack, stack.network!.internetSecurityGroup!);
    for (const [id, owner] of kitFunctions(stack, template)) {
      expect(functions[id]!.Properties.VpcConfig.SubnetIds, id).toEqual(IMPORTED.subnetIds);
      expect(refs(functions[id]!.Properties.VpcConfig.SecurityGroupIds), owner).toEqual(owner === 'leaderboard' ? [functionSg, internetSg].sort() : [functionSg]);
    }
  });

  it('lets existing security groups reach the endpoints the kit creates', () => {
    const { template } = synthKit('games', { network: { ...IMPORTED, securityGroupIds: ['sg-0123456789abcdef0', 'sg-0fedcba9876543210'] } }, { nag: false });
    const ingress = Object.values(resources(template, 'AWS::EC2::SecurityGroupIngress')).map((r) => r.Properties.SourceSecurityGroupId).sort();
    expect(ingress).toEqual(['sg-0123456789abcdef0', 'sg-0fedcba9876543210']);
  });
});

describe('network: Rekognition', () => {
  it('adds a Rekognition interface endpoint only when video moderation uses it', () => {
    const services = (override: unknown) =>
      Object.values(resources(synthKit('film', override, { nag: false }).template, 'AWS::EC2::VPCEndpoint')).map((e) => JSON.stringify(e.Properties.ServiceName));
    expect(services(CREATED).some((s) => s.includes('.rekognition'))).toBe(false);
    const withRekognition = services({ ...CREATED, pipelines: { video: { moderation: { provider: 'rekognition' } } } });
    expect(withRekognition.filter((s) => s.includes('.rekognition"'))).toHaveLength(1);
  });
});

describe('network: cdk-nag', () => {
  const configs: [string, unknown][] = [
    ['created', CREATED],
    ['created with an internet opt-in', { network: { create: true, internetAccess: ['inference', 'task-api'] } }],
    ['existing', { network: IMPORTED }],
  ];
  it.each(configs)('AwsSolutions and Serverless stay clean on preset all with a %s VPC', (_name, override) => {
    const { app, stack } = synthKit('all', override, { nag: false });
    for (const pack of nagPacks(app)) expect(pack.validateScope(stack).violations, pack.constructor.name).toEqual([]);
  });

  it.each(presetNames())('AwsSolutions and Serverless stay clean on preset %s with a created VPC', (preset) => {
    const { app, stack } = synthKit(preset, CREATED, { nag: false });
    for (const pack of nagPacks(app)) expect(pack.validateScope(stack).violations, pack.constructor.name).toEqual([]);
  });

  it.each(['nist', 'hipaa'] as const)('the %s pack finds nothing in the network but unencrypted log groups when KMS is off', (compliance) => {
    const { app, stack } = synthKit('all', { network: { create: true, internetAccess: ['inference'] } }, { nag: false });
    const pack = nagPacks(app, compliance).at(-1)!;
    const network = pack
      .validateScope(stack)
      .violations.flatMap((v) => v.violatingResources.map((r) => `${v.ruleName} ${r.constructPath}`))
      .filter((finding) => finding.includes('/Network/') || finding.includes('AWS679f53fac002430cb0da5b7982bd2287'));
    expect(network.filter((finding) => !finding.includes('CloudWatchLogGroupEncrypted'))).toEqual([]);
  });

  it.each(['nist', 'hipaa'] as const)('the %s pack finds nothing in the network with KMS on, and the flow logs use the key', (compliance) => {
    const { app, stack, template } = synthKit('all', { encryption: { kms: true }, network: { create: true, internetAccess: ['inference'] } }, { nag: false });
    const pack = nagPacks(app, compliance).at(-1)!;
    const network = pack
      .validateScope(stack)
      .violations.flatMap((v) => v.violatingResources.map((r) => `${v.ruleName} ${r.constructPath}`))
      .filter((finding) => finding.includes('/Network/') || finding.includes('AWS679f53fac002430cb0da5b7982bd2287'));
    expect(network).toEqual([]);
    const flowLogGroup = resources(template, 'AWS::Logs::LogGroup')[stack.getLogicalId(stack.network!.flowLogGroup!.node.defaultChild as logs.CfnLogGroup)]!;
    expect(flowLogGroup.Properties.KmsKeyId).toEqual({ 'Fn::GetAtt': [stack.getLogicalId(stack.encryption!.createdKey!.node.defaultChild as kms.CfnKey), 'Arn'] });
  });
});

describe('network: the local runtime', () => {
  it('counts the VPC as not needed on loopback and names only the deploy-time prefix-list lookups as not emulated', () => {
    const { stack, template } = synthKit('all', { network: { create: true, internetAccess: ['inference'] } }, { nag: false });
    const index = { stacks: [{ stackName: stack.stackName, template: template.toJSON() }] } as unknown as ResourceIndex;
    const inventory = takeInventory(index);
    expect(inventory.unsupported).toEqual([expect.stringMatching(/^Custom::AWS \(NetworkPrefixListss3/), expect.stringMatching(/^Custom::AWS \(NetworkPrefixListsdynamodb/)]);
    for (const type of ['AWS::EC2::VPC', 'AWS::EC2::VPCEndpoint', 'AWS::EC2::SecurityGroup', 'AWS::EC2::NatGateway', 'AWS::EC2::FlowLog', 'Custom::VpcRestrictDefaultSG']) {
      expect(inventory.notNeeded.get(type), type).toBeGreaterThan(0);
    }
  });
});
