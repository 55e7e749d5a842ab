import { describe, expect, it } from 'vitest';
import { ManualClock, scaledClock } from '../../../lib/local/eventbridge/clock.ts';
import { parseJsonPath, valueAt } from '../../../lib/local/eventbridge/json-path.ts';
import { nextFireTime, parseScheduleExpression, ScheduleExpressionError } from '../../../lib/local/eventbridge/schedule-expression.ts';
import { compileTargetInput, renderTargetInput, TargetInputError } from '../../../lib/local/eventbridge/target-input.ts';

const at = (iso: string) => Date.parse(iso);
const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());

describe('schedule expressions', () => {
  it('rate: every period from when the rule started', () => {
    const schedule = parseScheduleExpression('rate(5 minutes)');
    const start = at('2026-01-01T00:00:30Z');
    expect(iso(nextFireTime(schedule, start, start))).toBe('2026-01-01T00:05:30.000Z');
    expect(iso(nextFireTime(schedule, at('2026-01-01T00:05:30Z'), start))).toBe('2026-01-01T00:10:30.000Z');
    expect(parseScheduleExpression('rate(1 hour)')).toEqual({ kind: 'rate', periodMs: 3_600_000 });
    expect(parseScheduleExpression('rate(2 days)')).toEqual({ kind: 'rate', periodMs: 172_800_000 });
  });

  it('rate: singular for 1, plural otherwise, positive values only', () => {
    for (const bad of ['rate(1 minutes)', 'rate(5 minute)', 'rate(0 minutes)', 'rate(1.5 hours)', 'rate(1 week)', 'rate(5minutes)']) {
      expect(() => parseScheduleExpression(bad), bad).toThrow(ScheduleExpressionError);
    }
  });

  const next = (expression: string, after: string) => iso(nextFireTime(parseScheduleExpression(expression), at(after), at(after)));

  it('cron: fixed times, every-N steps, lists and ranges', () => {
    expect(next('cron(0 10 * * ? *)', '2026-03-05T09:59:00Z')).toBe('2026-03-05T10:00:00.000Z');
    expect(next('cron(0 10 * * ? *)', '2026-03-05T10:00:00Z')).toBe('2026-03-06T10:00:00.000Z');
    expect(next('cron(0/15 * * * ? *)', '2026-03-05T10:07:12Z')).toBe('2026-03-05T10:15:00.000Z');
    expect(next('cron(5,35 14 * * ? *)', '2026-03-05T14:06:00Z')).toBe('2026-03-05T14:35:00.000Z');
    expect(next('cron(0 8-10 * * ? *)', '2026-03-05T10:30:00Z')).toBe('2026-03-06T08:00:00.000Z');
    expect(next('cron(15 12 * * ? *)', '2026-03-05T12:14:59Z')).toBe('2026-03-05T12:15:00.000Z');
  });

  it('cron: weekdays, months, years, with names', () => {
    // 2026-03-06 is a Friday.
    expect(next('cron(0 18 ? * MON-FRI *)', '2026-03-06T18:00:00Z')).toBe('2026-03-09T18:00:00.000Z');
    expect(next('cron(0 0 1 JAN,JUL ? *)', '2026-03-05T00:00:00Z')).toBe('2026-07-01T00:00:00.000Z');
    expect(next('cron(0 0 1 1 ? 2030)', '2026-03-05T00:00:00Z')).toBe('2030-01-01T00:00:00.000Z');
    expect(next('cron(0 0 ? * 1 *)', '2026-03-05T00:00:00Z')).toBe('2026-03-08T00:00:00.000Z'); // 1 = Sunday
    expect(next('cron(0 0 1 1 ? 2020)', '2026-03-05T00:00:00Z')).toBeUndefined();
  });

  it('cron: L, W, LW and #', () => {
    expect(next('cron(0 0 L * ? *)', '2026-02-10T00:00:00Z')).toBe('2026-02-28T00:00:00.000Z');
    expect(next('cron(0 0 LW * ? *)', '2026-05-01T00:00:00Z')).toBe('2026-05-29T00:00:00.000Z'); // May 31 2026 is a Sunday
    expect(next('cron(0 0 15W * ? *)', '2026-08-01T00:00:00Z')).toBe('2026-08-14T00:00:00.000Z'); // Aug 15 2026 is a Saturday
    expect(next('cron(0 0 ? * 6L *)', '2026-03-01T00:00:00Z')).toBe('2026-03-27T00:00:00.000Z'); // last Friday
    expect(next('cron(0 0 ? * 2#1 *)', '2026-03-03T00:00:00Z')).toBe('2026-04-06T00:00:00.000Z'); // first Monday
  });

  it('cron: refuses what EventBridge refuses', () => {
    for (const bad of [
      'cron(0 10 * * * *)', // both day fields
      'cron(0 10 ? * ? *)', // neither
      'cron(0 10 * * ?)', // five fields
      'cron(60 10 * * ? *)',
      'cron(0 24 * * ? *)',
      'cron(0 0 32 * ? *)',
      'cron(0 0 ? * 8 *)',
      'cron(0 0 ? FOO * *)',
      'cron(0 10-8 * * ? *)',
      'cron(0/0 * * * ? *)',
      'every 5 minutes',
    ]) {
      expect(() => parseScheduleExpression(bad), bad).toThrow(ScheduleExpressionError);
    }
  });
});

describe('JSONPath subset', () => {
  const event = { detail: { 'my-key': { list: [1, { deep: 'x' }] } }, resources: ['arn:a'] };
  it('reads names, quoted names and indices', () => {
    expect(valueAt(event, parseJsonPath('$.resources[0]')!)).toBe('arn:a');
    expect(valueAt(event, parseJsonPath("$.detail['my-key'].list[1].deep")!)).toBe('x');
    expect(valueAt(event, parseJsonPath('$.detail.my-key.list[0]')!)).toBe(1);
    expect(valueAt(event, parseJsonPath('$')!)).toBe(event);
    expect(valueAt(event, parseJsonPath('$.detail.nope.x')!)).toBeUndefined();
  });
  it('refuses what it cannot evaluate', () => {
    for (const bad of ['detail', '$..key', '$.list[*]', '$.a[?(@.b)]', '$.']) expect(parseJsonPath(bad), bad).toBeUndefined();
  });
});

describe('target input', () => {
  const event = {
    version: '0',
    id: 'e-1',
    'detail-type': 'EC2 Instance State-change Notification',
    source: 'aws.ec2',
    time: '2015-11-11T21:29:54Z',
    resources: ['arn:aws:ec2:us-east-1:123456789012:instance/i-abcd1111'],
    detail: { 'instance-id': 'i-0123456789', state: 'RUNNING', count: 3, tags: { a: 1 } },
  };
  const context = { ruleArn: 'arn:aws:events:us-east-1:000000000000:rule/example', ruleName: 'example', ingestionTime: '2015-11-11T21:29:55Z' };
  const transformer = (InputTemplate: string) =>
    compileTargetInput({
      InputTransformer: {
        InputPathsMap: { instance: '$.detail.instance-id', state: '$.detail.state', count: '$.detail.count', tags: '$.detail.tags', resource: '$.resources[0]', nothing: '$.detail.missing' },
        InputTemplate,
      },
    });
  const render = (template: string) => renderTargetInput(transformer(template), event, context)!;

  it('passes the whole event, a constant, or the value at a path', () => {
    expect(JSON.parse(renderTargetInput(compileTargetInput({}), event, context)!)).toEqual(event);
    expect(renderTargetInput(compileTargetInput({ Input: '{"fixed":true}' }), event, context)).toBe('{"fixed":true}');
    expect(renderTargetInput(compileTargetInput({ InputPath: '$.detail.state' }), event, context)).toBe('"RUNNING"');
    expect(renderTargetInput(compileTargetInput({ InputPath: '$.detail.tags' }), event, context)).toBe('{"a":1}');
    expect(renderTargetInput(compileTargetInput({ InputPath: '$.detail.none' }), event, context)).toBeUndefined();
  });

  it('string templates insert values as they are', () => {
    expect(render('"instance <instance> is in <state>"')).toBe('"instance i-0123456789 is in RUNNING"');
    expect(render('<aws.events.rule-name> triggered')).toBe('example triggered');
    expect(render('count=<count> missing=<nothing>')).toBe('count=3 missing=');
  });

  it('JSON templates quote variables outside strings and insert them as is inside strings', () => {
    expect(JSON.parse(render('{"instance": <instance>, "state": [9, <state>, true], "n": <count>, "tags": <tags>}'))).toEqual({
      instance: 'i-0123456789',
      state: [9, 'RUNNING', true],
      n: 3,
      tags: { a: 1 },
    });
    expect(JSON.parse(render('{"status": "instance \\"<instance>\\" is in <state>", "first": "<resource>"}'))).toEqual({
      status: 'instance "i-0123456789" is in RUNNING',
      first: 'arn:aws:ec2:us-east-1:123456789012:instance/i-abcd1111',
    });
    expect(JSON.parse(render('{"missing": <nothing>}'))).toEqual({ missing: '' });
  });

  it('fills the predefined variables', () => {
    const out = JSON.parse(render('{"arn": <aws.events.rule-arn>, "at": <aws.events.event.ingestion-time>, "e": <aws.events.event>, "full": <aws.events.event.json>}'));
    expect(out.arn).toBe(context.ruleArn);
    expect(out.at).toBe(context.ingestionTime);
    expect(out.e).toEqual(Object.fromEntries(Object.entries(event).filter(([k]) => k !== 'detail')));
    expect(out.full).toEqual(event);
  });

  it('refuses settings PutTargets refuses', () => {
    const bad = [
      { Input: '{}', InputPath: '$.detail' },
      { Input: 'not json' },
      { InputPath: '$..deep' },
      { InputTransformer: { InputPathsMap: { a: '$.x' } } },
      { InputTransformer: { InputPathsMap: { 'aws.events.rule-arn': '$.x' }, InputTemplate: '"x"' } },
      { InputTransformer: { InputPathsMap: { 'bad key': '$.x' }, InputTemplate: '"x"' } },
      { InputTransformer: { InputPathsMap: {}, InputTemplate: '"<undefinedVariable>"' } },
      { InputTransformer: { InputPathsMap: {}, InputTemplate: '{"e": "<aws.events.event.json>"}' } },
      { InputTransformer: { InputPathsMap: Object.fromEntries(Array.from({ length: 101 }, (_, i) => [`v${i}`, '$.id'])), InputTemplate: '"x"' } },
    ];
    for (const raw of bad) expect(() => compileTargetInput(raw), JSON.stringify(raw).slice(0, 60)).toThrow(TargetInputError);
  });
});

describe('clocks', () => {
  it('a scaled clock runs schedules and waits faster than its base, from the moment it is made', async () => {
    const base = new ManualClock(Date.UTC(2026, 0, 1));
    const clock = scaledClock(60, base);
    const fired: number[] = [];
    clock.setTimer(() => fired.push(clock.now()), 60_000);
    await base.advance(999);
    expect(fired).toEqual([]);
    await base.advance(1);
    expect(fired).toEqual([Date.UTC(2026, 0, 1, 0, 1)]);
    expect(() => scaledClock(0)).toThrow('A time scale must be positive');
  });
});
