import { describe, expect, it } from 'vitest';
import { IntrinsicResolver } from '../../../lib/local/assembly/intrinsics.ts';
import { LocalRuntimeError } from '../../../lib/local/errors.ts';

function resolver(conditions: Record<string, unknown> = {}) {
  return new IntrinsicResolver({
    pseudo: {
      region: 'us-east-1',
      accountId: '000000000000',
      partition: 'aws',
      urlSuffix: 'amazonaws.com',
      stackName: 'Kit',
      stackId: 'arn:aws:cloudformation:us-east-1:000000000000:stack/Kit/x',
    },
    parameters: { Env: 'dev' },
    conditions,
    mappings: { Sizes: { small: { px: 128 } } },
    lookup: {
      ref: (id) => {
        if (id === 'Bucket') return 'kit-bucket';
        throw new LocalRuntimeError('INTRINSIC_UNRESOLVED', `no ${id}`);
      },
      getAtt: (id, attr) => `${id}.${attr}`,
      importValue: (name) => `imported:${name}`,
    },
  });
}

describe('IntrinsicResolver', () => {
  it('resolves Ref to resources, parameters and pseudo parameters', () => {
    const r = resolver();
    expect(r.resolve({ Ref: 'Bucket' })).toBe('kit-bucket');
    expect(r.resolve({ Ref: 'Env' })).toBe('dev');
    expect(r.resolve([{ Ref: 'AWS::Region' }, { Ref: 'AWS::AccountId' }, { Ref: 'AWS::Partition' }, { Ref: 'AWS::StackName' }, { Ref: 'AWS::URLSuffix' }])).toEqual([
      'us-east-1',
      '000000000000',
      'aws',
      'Kit',
      'amazonaws.com',
    ]);
  });

  it('resolves Fn::GetAtt in both forms', () => {
    const r = resolver();
    expect(r.resolve({ 'Fn::GetAtt': ['Queue', 'Arn'] })).toBe('Queue.Arn');
    expect(r.resolve({ 'Fn::GetAtt': 'Queue.QueueUrl' })).toBe('Queue.QueueUrl');
  });

  it('resolves Fn::Join, Fn::Select, Fn::Split nested', () => {
    const r = resolver();
    const value = {
      'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':s3:::', { Ref: 'Bucket' }, '/', { 'Fn::Select': [1, { 'Fn::Split': ['/', 'a/b/c'] }] }]],
    };
    expect(r.resolve(value)).toBe('arn:aws:s3:::kit-bucket/b');
  });

  it('resolves Fn::Sub with references, attributes, variables and escaped literals', () => {
    const r = resolver();
    expect(r.resolve({ 'Fn::Sub': 'cdk-${AWS::AccountId}-${AWS::Region}-${Bucket}-${Queue.Arn}-${!Literal}' })).toBe(
      'cdk-000000000000-us-east-1-kit-bucket-Queue.Arn-${Literal}',
    );
    expect(r.resolve({ 'Fn::Sub': ['${Name}-${Env}', { Name: { Ref: 'Bucket' } }] })).toBe('kit-bucket-dev');
  });

  it('evaluates conditions, Fn::If and drops AWS::NoValue', () => {
    const r = resolver({ IsDev: { 'Fn::Equals': [{ Ref: 'Env' }, 'dev'] }, IsProd: { 'Fn::Not': [{ Condition: 'IsDev' }] } });
    expect(r.condition('IsDev')).toBe(true);
    expect(r.condition('IsProd')).toBe(false);
    expect(r.resolve({ A: { 'Fn::If': ['IsProd', 'x', { Ref: 'AWS::NoValue' }] }, B: { 'Fn::If': ['IsDev', 'y', 'z'] } })).toEqual({ B: 'y' });
    expect(r.resolve([1, { Ref: 'AWS::NoValue' }, 2])).toEqual([1, 2]);
  });

  it('resolves Fn::ImportValue and Fn::FindInMap', () => {
    const r = resolver();
    expect(r.resolve({ 'Fn::ImportValue': { 'Fn::Sub': '${AWS::StackName}-Out' } })).toBe('imported:Kit-Out');
    expect(r.resolve({ 'Fn::FindInMap': ['Sizes', 'small', 'px'] })).toBe(128);
  });

  it('fails with the value path on what it cannot resolve, never passing it through', () => {
    const r = resolver();
    expect(() => r.resolve({ Env: { 'Fn::Transform': {} } }, 'Fn.Environment')).toThrow(/Fn\.Environment\.Env\.Fn::Transform: Fn::Transform is not supported/);
    expect(() => r.resolve({ Ref: 'Missing' })).toThrow(LocalRuntimeError);
    expect(() => r.resolve({ 'Fn::Select': [5, ['a']] })).toThrow(/out of range/);
    expect(() => r.resolveString({ 'Fn::Split': [',', 'a,b'] }, 'X')).toThrow(/expected a string/);
  });
});
