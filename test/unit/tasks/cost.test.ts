import { describe, expect, it } from 'vitest';
import { costReport, fargateSize, peakConcurrency } from '../../../functions/shared/cost/cost-report.ts';
import { estimateTaskCost, gbSeconds } from '../../../functions/shared/cost/estimate.ts';
import { priceTableFor, US_EAST_1_PRICES } from '../../../functions/shared/cost/price-table.ts';

describe('task cost', () => {
  it('matches a hand-computed example', () => {
    // 2 attempts at 2 048 MB: 1 000 ms + 500 ms billed = 2 + 1 GB-s.
    const cost = estimateTaskCost(
      [
        { billedDurationMs: 1000, memoryMb: 2048 },
        { billedDurationMs: 500, memoryMb: 2048 },
      ],
      'x86_64',
      { sqsRequests: 3, s3Puts: 4, s3Gets: 1, dynamodbWrites: 3, events: 1 },
      US_EAST_1_PRICES,
    );
    expect(cost.gbSeconds).toBe(3);
    expect(cost.breakdown.compute).toBeCloseTo(3 * 0.0000166667, 12);
    expect(cost.breakdown.requests).toBeCloseTo(4e-7, 12);
    expect(cost.breakdown.sqs).toBeCloseTo(1.2e-6, 12);
    expect(cost.breakdown.s3).toBeCloseTo(4 * 5e-6 + 4e-7, 12);
    expect(cost.breakdown.dynamodb).toBeCloseTo(1.875e-6, 12);
    expect(cost.breakdown.events).toBeCloseTo(1e-6, 12);
    expect(cost.usd).toBeCloseTo(7.48751e-5, 10);
  });

  it('prices arm64 at its own rate and bills configured memory', () => {
    expect(gbSeconds({ billedDurationMs: 250, memoryMb: 512 })).toBe(0.125);
    const arm = estimateTaskCost([{ billedDurationMs: 1000, memoryMb: 1024 }], 'arm64', {}, US_EAST_1_PRICES);
    expect(arm.breakdown.compute).toBeCloseTo(0.0000133334, 12);
  });

  it('falls back to us-east-1 for a region without a table, and says so', () => {
    expect(priceTableFor('us-east-1').exact).toBe(true);
    const other = priceTableFor('eu-west-1');
    expect(other.exact).toBe(false);
    expect(other.table.region).toBe('us-east-1');
    expect(priceTableFor('eu-west-1', { ...US_EAST_1_PRICES, region: 'eu-west-1' }).exact).toBe(true);
  });

  it('measures peak concurrency from attempt intervals (an end is exclusive)', () => {
    expect(peakConcurrency([])).toBe(0);
    expect(peakConcurrency([[0, 10], [10, 20]])).toBe(1);
    expect(peakConcurrency([[0, 10], [5, 15], [6, 7], [14, 30]])).toBe(3);
  });

  it('sizes the container to valid Fargate steps', () => {
    expect(fargateSize(0.1, 0.2)).toEqual({ vcpu: 0.25, memoryGb: 0.5 });
    expect(fargateSize(6144 / 1769, 6)).toEqual({ vcpu: 3.5, memoryGb: 7 });
    expect(fargateSize(1, 16)).toEqual({ vcpu: 2, memoryGb: 16 });
  });

  it('reports per pipeline against an always-on container', () => {
    const attempt = (startedAt: number, durationMs: number) => ({ startedAt, endedAt: startedAt + durationMs, durationMs, memoryMb: 2048 });
    const tasks = [0, 100, 200].map((start, i) => ({
      pipeline: 'image',
      architecture: 'x86_64' as const,
      gbSeconds: 1,
      costUsd: 0.00002 * (i + 1),
      attempts: [attempt(start, 1000)],
    }));
    const [image] = costReport([...tasks, { ...tasks[0]!, pipeline: 'video' }], US_EAST_1_PRICES);
    expect(image!.pipeline).toBe('image');
    expect(image!.tasks).toBe(3);
    expect(image!.p50DurationMs).toBe(1000);
    expect(image!.gbSeconds).toBe(3);
    expect(image!.costPerTaskUsd).toBeCloseTo(0.00004, 12);
    expect(image!.costPer1000Usd).toBeCloseTo(0.04, 9);
    expect(image!.peakConcurrency).toBe(3);
    // 3 × 2 048 MB → 3.47 vCPU → 3.5 vCPU, 7 GB (2 GB per vCPU at least): 730 h × (3.5 × 0.04048 + 7 × 0.004445).
    expect(image!.container).toEqual({ vcpu: 3.5, memoryGb: 7, monthlyUsd: expect.closeTo(126.14035, 6) });
    expect(image!.breakEvenTasksPerMonth).toBe(Math.round(126.14035 / 0.00004));
  });
});
