import { randomUUID } from 'node:crypto';
import type { BusRule } from './bus-resources.ts';
import type { Clock } from './clock.ts';
import { eventTime, type BusEvent } from './put-events.ts';
import { nextFireTime } from './schedule-expression.ts';

/**
 * Fires rules with a ScheduleExpression on the clock: each firing is AWS's "Scheduled Event"
 * (source aws.events, the rule's ARN as its one resource, an empty detail), handed to that rule
 * alone. On a scaled clock schedules run at the scaled pace and their events carry scaled time.
 */
export class RuleScheduler {
  private readonly cancels: (() => void)[] = [];
  private stopped = false;

  constructor(
    private readonly clock: Clock,
    private readonly where: { readonly region: string; readonly account: string },
    private readonly fire: (rule: BusRule, event: BusEvent) => void,
  ) {}

  start(rules: readonly BusRule[]): void {
    const startedAt = this.clock.now();
    for (const rule of rules) {
      if (rule.schedule && rule.enabled) this.arm(rule, startedAt, startedAt);
    }
  }

  stop(): void {
    this.stopped = true;
    for (const cancel of this.cancels.splice(0)) cancel();
  }

  private arm(rule: BusRule, after: number, startedAt: number): void {
    if (this.stopped) return;
    const at = nextFireTime(rule.schedule!, after, startedAt);
    if (at === undefined) return;
    const cancel = this.clock.setTimer(() => {
      this.cancels.splice(this.cancels.indexOf(cancel), 1);
      if (this.stopped) return;
      this.fire(rule, {
        version: '0',
        id: randomUUID(),
        'detail-type': 'Scheduled Event',
        source: 'aws.events',
        account: this.where.account,
        time: eventTime(at),
        region: this.where.region,
        resources: [rule.arn],
        detail: {},
      });
      this.arm(rule, at, startedAt);
    }, at - this.clock.now());
    this.cancels.push(cancel);
  }
}
