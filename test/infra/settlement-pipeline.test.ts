import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { SETTLEMENT_ERROR_CODES } from '../../functions/battle-settlement/errors.ts';
import { resources, synthKit } from './synth.ts';

describe('settlement pipeline (games preset)', () => {
  const { template, stack } = synthKit('games');
  const pipeline = stack.settlementPipeline!;
  const logicalId = (construct: { node: { defaultChild?: unknown } }) => stack.getLogicalId(construct.node.defaultChild as never);

  it('keeps its three tables on demand, with PITR and encryption, retained and protected', () => {
    const tables = resources(template, 'AWS::DynamoDB::Table');
    for (const table of [pipeline.settlementsTable, pipeline.ledgerTable, pipeline.leaderboardTable]) {
      const resource = tables[logicalId(table)] as unknown as { Properties: Record<string, any>; DeletionPolicy: string };
      expect(resource.Properties).toMatchObject({
        BillingMode: 'PAY_PER_REQUEST',
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        SSESpecification: { SSEEnabled: true },
        DeletionProtectionEnabled: true,
      });
      expect(resource.DeletionPolicy).toBe('Retain');
    }
  });

  it('declares its contract: battles/ → settlement/<rel>/settlement.json, JSON tasks, every BATTLE_ code', () => {
    expect(pipeline.contract).toMatchObject({ id: 'settlement', ingestPrefix: 'battles/', outputPrefix: 'settlement/', resultDocument: 'settlement.json', acceptsJsonTasks: true });
    expect(pipeline.contract.errorCodes).toEqual([...SETTLEMENT_ERROR_CODES].sort());
    expect(pipeline.contract.errorCodes).toEqual(expect.arrayContaining(['BATTLE_CONFLICT', 'BATTLE_CHEAT_RESULT', 'BATTLE_PROCESSING_TIMEOUT', 'SOURCE_NOT_FOUND']));
  });

  it('grants the settle function item actions on its two tables only, and PutEvents on the kit bus', () => {
    const role = logicalId(pipeline.worker.role);
    const policies = Object.values(resources(template, 'AWS::IAM::Policy')).filter((p) => JSON.stringify(p.Properties.Roles).includes(role));
    const statements = policies.flatMap((p) => p.Properties.PolicyDocument.Statement as { Action: string | string[]; Resource: unknown }[]);
    // The task table's recorder grant (from QueuePipeline) is the other DynamoDB statement; none names the leaderboard.
    expect(JSON.stringify(statements)).not.toContain(logicalId(pipeline.leaderboardTable));
    const dynamo = statements.filter((s) => JSON.stringify(s.Resource).includes(logicalId(pipeline.ledgerTable)));
    expect(dynamo).toHaveLength(1);
    expect([dynamo[0]!.Action].flat().sort()).toEqual(['dynamodb:ConditionCheckItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem']);
    expect(JSON.stringify(dynamo[0]!.Resource)).toContain(logicalId(pipeline.settlementsTable));
    expect(JSON.stringify(dynamo[0]!.Resource)).toContain(logicalId(pipeline.ledgerTable));
    expect(JSON.stringify(dynamo[0]!.Resource)).not.toContain(logicalId(pipeline.leaderboardTable));
    expect(statements.some((s) => [s.Action].flat().includes('events:PutEvents'))).toBe(true);
  });

  it('subscribes the leaderboard queue (with DLQ) to Battle Settled of the settlement pipeline', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { source: ['media-kit'], 'detail-type': ['Battle Settled'], detail: { pipeline: ['settlement'] } },
      Targets: Match.arrayWith([Match.objectLike({ DeadLetterConfig: Match.anyValue() })]),
    });
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', { FunctionResponseTypes: ['ReportBatchItemFailures'], BatchSize: 10 });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ LEADERBOARD_TABLE: { Ref: logicalId(pipeline.leaderboardTable) } }) },
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          SETTLEMENTS_TABLE: { Ref: logicalId(pipeline.settlementsTable) },
          LEDGER_TABLE: { Ref: logicalId(pipeline.ledgerTable) },
          KIT_BUS_NAME: Match.anyValue(),
        }),
      },
    });
  });
});
