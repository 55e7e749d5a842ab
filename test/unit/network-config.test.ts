import { describe, expect, it } from 'vitest';
import { NETWORK_OWNERS, networkConfigSchema } from '../../lib/constructs/kit-network.ts';
import { KitConfigError, loadKitConfig } from '../../lib/presets/index.ts';

const IMPORTED = {
  vpcId: 'vpc-0123456789abcdef0',
  availabilityZones: ['us-east-1a', 'us-east-1b'],
  subnetIds: ['subnet-0aaaaaaaaaaaaaaa1', 'subnet-0bbbbbbbbbbbbbbb2'],
  routeTableIds: ['rtb-0aaaaaaaaaaaaaaa1', 'rtb-0bbbbbbbbbbbbbbb2'],
};

function networkError(network: unknown): string {
  try {
    loadKitConfig({ preset: 'games', override: { network } });
  } catch (error) {
    expect(error).toBeInstanceOf(KitConfigError);
    return (error as Error).message;
  }
  throw new Error('expected a KitConfigError');
}

describe('network config', () => {
  it('defaults a created VPC to endpoints on and no internet access', () => {
    expect(networkConfigSchema.parse({ create: true })).toEqual({ create: true, endpoints: true, internetAccess: [] });
    expect(loadKitConfig({ preset: 'games', override: { network: IMPORTED } }).network).toEqual({ ...IMPORTED, endpoints: true, internetAccess: [] });
  });

  it('asks for exactly one of create and vpcId', () => {
    expect(networkError({})).toContain('network.create: set create: true for a new VPC, or vpcId with availabilityZones, subnetIds and routeTableIds');
    expect(networkError({ create: false })).toContain('network.create: set create: true');
    expect(networkError({ create: true, ...IMPORTED })).toContain('network.vpcId: set either create: true (a new VPC) or vpcId (an existing one), not both');
  });

  it('names each field an existing VPC is missing', () => {
    const message = networkError({ vpcId: IMPORTED.vpcId });
    for (const field of ['availabilityZones', 'subnetIds', 'routeTableIds']) {
      expect(message).toContain(`network.${field}: required with vpcId (synth never looks the VPC up, so it must be described)`);
    }
    expect(networkError({ vpcId: IMPORTED.vpcId, subnetIds: IMPORTED.subnetIds, availabilityZones: IMPORTED.availabilityZones })).not.toContain('network.subnetIds');
  });

  it('wants one AZ and one route table per subnet', () => {
    expect(networkError({ ...IMPORTED, availabilityZones: ['us-east-1a'] })).toContain('network.availabilityZones: one per subnet: 1 given for 2 subnetIds');
    expect(networkError({ ...IMPORTED, availabilityZones: ['us-east-1a', 'us-east-1a'] })).toContain('network.availabilityZones: one subnet per AZ');
    expect(networkError({ ...IMPORTED, routeTableIds: ['rtb-0aaaaaaaaaaaaaaa1'] })).toContain('network.routeTableIds: one per subnet');
  });

  it('checks the shape of every id', () => {
    expect(networkError({ ...IMPORTED, vpcId: 'my-vpc' })).toContain('network.vpcId: an id like vpc-0123456789abcdef0');
    expect(networkError({ ...IMPORTED, subnetIds: ['subnet-0aaaaaaaaaaaaaaa1', 'sg-0bbbbbbbbbbbbbbb2'] })).toContain('network.subnetIds.1: an id like subnet-');
    expect(networkError({ ...IMPORTED, availabilityZones: ['us-east-1a', 'use1-az2'] })).toContain('network.availabilityZones.1: an availability zone name like us-east-1a');
    expect(networkError({ ...IMPORTED, securityGroupIds: ['default'] })).toContain('network.securityGroupIds.0: an id like sg-');
  });

  it('keeps created-VPC and existing-VPC fields apart', () => {
    expect(networkError({ create: true, subnetIds: IMPORTED.subnetIds })).toContain('network.subnetIds: describes an existing VPC (vpcId); a created VPC makes its own');
    expect(networkError({ ...IMPORTED, maxAzs: 3 })).toContain('network.maxAzs: applies to a created VPC');
    expect(networkError({ create: true, endpoints: false })).toContain('network.endpoints: a created VPC has no other way to reach AWS');
    expect(networkError({ create: true, maxAzs: 7 })).toContain('network.maxAzs:');
  });

  it('needs security groups when an existing VPC brings its own endpoints', () => {
    expect(networkError({ ...IMPORTED, endpoints: false })).toContain("network.securityGroupIds: required with endpoints: false: the kit cannot know the addresses of your VPC's endpoints");
    expect(loadKitConfig({ preset: 'games', override: { network: { ...IMPORTED, endpoints: false, securityGroupIds: ['sg-0123456789abcdef0'] } } }).network?.endpoints).toBe(false);
  });

  it('accepts only known owners in internetAccess, once each', () => {
    expect(networkError({ create: true, internetAccess: ['settlemnt'] })).toContain(`network.internetAccess.0: one of ${NETWORK_OWNERS.join(', ')}`);
    expect(networkError({ create: true, internetAccess: ['settlement', 'settlement'] })).toContain('network.internetAccess: lists an owner twice');
    expect(loadKitConfig({ preset: 'games', override: { network: { create: true, internetAccess: ['leaderboard'] } } }).network?.internetAccess).toEqual(['leaderboard']);
  });

  it('refuses unknown fields, naming the allowed ones', () => {
    expect(networkError({ create: true, natGateways: 1 })).toMatch(/network\.natGateways: unknown field \(allowed: create, maxAzs, vpcId, .*internetAccess\)/);
  });
});
