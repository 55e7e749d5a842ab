import type { SQSClient } from '@aws-sdk/client-sqs';
import { LocalErrorCode, LocalRuntimeError } from '../errors.ts';
import type { ResourceIndex } from '../resources/resource-index.ts';
import { readBuses, readRules, type Bus, type BusRule } from './bus-resources.ts';
import { realClock, scaledClock, type Clock } from './clock.ts';
import { EventDeliveryJournal } from './delivery-journal.ts';
import { matchesEventPattern } from './event-pattern.ts';
import { listenEventBridge, type EventBridgeServer } from './eventbridge-server.ts';
import { busNameOf, requestEntries, toBusEvent, type BusEvent, type PutEventsEntry, type PutEventsResultEntry } from './put-events.ts';
import { queueSender } from './queue-sender.ts';
import { RuleScheduler } from './rule-scheduler.ts';
import { TargetDelivery } from './target-delivery.ts';

export interface LocalEventBridgeOptions {
  readonly region: string;
  readonly accountId: string;
  /** @default 0 (any free port) */
  readonly port?: number;
  /** Schedules, retry waits and event ages run on it. @default the wall clock, scaled by `timeScale` */
  readonly clock?: Clock;
  /** How much faster than real time schedules and retry waits run locally. @default 1 */
  readonly timeScale?: number;
}

/** What the runtime hands over once its functions exist. */
export interface EventBridgeWiring {
  readonly index: ResourceIndex;
  readonly sqs: SQSClient;
  /** Lambda's asynchronous invocation, as EventBridge uses it. */
  readonly invokeAsync: (functionName: string, payload: unknown) => void;
  /** The local function a Lambda ARN (qualified or not) names, if it runs here. */
  readonly resolveFunction: (arn: string) => string | undefined;
  /** The functions that run locally, with their environments: who may publish to which bus. */
  readonly functions: readonly { readonly name: string; readonly environment: Readonly<Record<string, string>> }[];
  readonly onWarning: (message: string) => void;
  readonly onError: (error: Error) => void;
}

export interface PutEventsResult {
  readonly FailedEntryCount: number;
  readonly Entries: readonly PutEventsResultEntry[];
}

/**
 * EventBridge on loopback: the default bus and the assembly's custom buses, PutEvents over HTTP
 * (AWS JSON 1.1, what the SDK's EventBridgeClient and `aws events put-events --endpoint-url`
 * speak) and in process, rules with event patterns and schedules, and delivery to SQS and Lambda
 * targets with their input settings, retry policy and dead-letter queue. Every event and delivery
 * is in {@link journal}.
 *
 * Started in two steps because functions need the endpoint in their environment before they
 * exist, and delivery needs the functions: {@link listen}, then {@link wire}.
 */
export class LocalEventBridge {
  readonly journal = new EventDeliveryJournal();
  buses: readonly Bus[] = [];
  rules: readonly BusRule[] = [];
  private delivery: TargetDelivery | undefined;
  private scheduler: RuleScheduler | undefined;
  private readonly warnedBuses = new Set<string>();
  private onWarning: (message: string) => void = () => undefined;
  private stopped = false;
  readonly clock: Clock;

  private constructor(
    private readonly server: EventBridgeServer,
    private readonly options: LocalEventBridgeOptions,
  ) {
    this.clock = options.clock ?? scaledClock(options.timeScale ?? 1, realClock);
  }

  static async listen(options: LocalEventBridgeOptions): Promise<LocalEventBridge> {
    let bridge: LocalEventBridge | undefined;
    const server = await listenEventBridge({ PutEvents: (body) => bridge!.handlePutEvents(body) }, options.port);
    bridge = new LocalEventBridge(server, options);
    return bridge;
  }

  /** `AWS_ENDPOINT_URL_EVENTBRIDGE` for functions, `--endpoint-url` for the AWS CLI. */
  get endpoint(): string {
    return this.server.endpoint;
  }

  get port(): number {
    return this.server.port;
  }

  /**
   * Reads buses and rules from the assembly, refusing what EventBridge would refuse, and starts
   * the schedules. A target the runtime cannot deliver to (Kinesis, Step Functions, API
   * destinations, a function that does not run here…) fails start when a local function
   * publishes to the rule's bus, since that function's events would silently go nowhere;
   * otherwise it is named in one warning and its deliveries are journaled as skipped.
   */
  wire(wiring: EventBridgeWiring): void {
    const { index } = wiring;
    this.onWarning = wiring.onWarning;
    this.buses = readBuses(index);
    this.rules = readRules(index, this.buses, wiring.resolveFunction);
    const unsupported: string[] = [];
    for (const rule of this.rules) {
      for (const target of rule.targets) {
        if (target.destination.kind !== 'unsupported') continue;
        const bus = this.buses.find((b) => b.name === rule.bus)!;
        const publishers = wiring.functions.filter((fn) => Object.values(fn.environment).some((value) => value === bus.name || value === bus.arn));
        if (publishers.length > 0 && !rule.schedule) {
          throw new LocalRuntimeError(
            LocalErrorCode.RESOURCE_UNSUPPORTED,
            `${rule.where} sends to target ${target.id} (${target.arn}), ${target.destination.service}, which the local runtime cannot deliver to; ${publishers.map((p) => p.name).join(', ')} publish to its bus ${bus.name}`,
            { rule: rule.name, target: target.id, arn: target.arn },
          );
        }
        unsupported.push(`${rule.name} → ${target.id} (${target.destination.service})`);
      }
    }
    if (unsupported.length > 0) wiring.onWarning(`EventBridge targets not delivered locally (journaled as skipped): ${unsupported.join(', ')}`);
    this.delivery = new TargetDelivery({
      sendMessage: queueSender(wiring.sqs),
      invokeAsync: wiring.invokeAsync,
      clock: this.clock,
      journal: this.journal,
      onDropped: wiring.onWarning,
      onError: wiring.onError,
    });
    this.scheduler = new RuleScheduler(this.clock, { region: this.options.region, account: this.options.accountId }, (rule, event) => this.fire(rule.bus, event, [rule]));
    this.scheduler.start(this.rules);
  }

  /**
   * PutEvents in process. `trusted` marks events the runtime emits on a service's behalf (S3's
   * `aws.s3` events), which may use an `aws.` source; API callers may not.
   */
  putEvents(entries: readonly PutEventsEntry[], options: { trusted?: boolean } = {}): PutEventsResult {
    const results: PutEventsResultEntry[] = [];
    let failed = 0;
    for (const entry of entries) {
      const checked = toBusEvent(entry, { region: this.options.region, account: this.options.accountId, now: this.clock.now() }, options.trusted ?? false);
      if ('error' in checked) {
        failed++;
        results.push(checked.error);
        continue;
      }
      this.route(busNameOf(entry), checked.event);
      results.push({ EventId: checked.event.id });
    }
    return { FailedEntryCount: failed, Entries: results };
  }

  /** Resolves when every delivery started so far has ended. */
  async drain(): Promise<void> {
    await this.delivery?.drain();
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.scheduler?.stop();
    this.delivery?.stop();
    await this.delivery?.drain();
    await this.server.close();
  }

  private handlePutEvents(body: unknown): PutEventsResult {
    return this.putEvents(requestEntries(body));
  }

  private route(busName: string, event: BusEvent): void {
    const bus = this.buses.find((b) => b.name === busName);
    if (!bus || this.stopped || !this.delivery) {
      // EventBridge answers with an EventId and drops the event; locally it is at least said once.
      this.journal.record({ kind: 'event', at: this.clock.now(), eventId: event.id, bus: busName, source: event.source, detailType: event['detail-type'], matchedRules: [], outcome: 'no-such-bus' });
      if (!this.warnedBuses.has(busName) && !this.stopped) {
        this.warnedBuses.add(busName);
        this.onWarning(`An event was put on event bus ${busName}, which the assembly does not define; EventBridge accepts and drops such events`);
      }
      return;
    }
    const matched = this.rules.filter((rule) => rule.bus === busName && rule.enabled && rule.pattern && matchesEventPattern(rule.pattern, event));
    this.fire(busName, event, matched);
  }

  /** Journals the event and hands it to every target of the rules it matched. */
  private fire(bus: string, event: BusEvent, rules: readonly BusRule[]): void {
    this.journal.record({
      kind: 'event',
      at: this.clock.now(),
      eventId: event.id,
      bus,
      source: event.source,
      detailType: event['detail-type'],
      matchedRules: rules.map((rule) => rule.name),
      outcome: rules.length > 0 ? 'routed' : 'unmatched',
    });
    for (const rule of rules) {
      for (const target of rule.targets) {
        if (target.destination.kind === 'unsupported') {
          this.journal.record({
            kind: 'delivery',
            at: this.clock.now(),
            eventId: event.id,
            bus,
            rule: rule.name,
            ruleArn: rule.arn,
            target: target.id,
            targetArn: target.arn,
            attempt: 1,
            outcome: 'skipped',
            error: { code: 'UNSUPPORTED_TARGET', message: `The local runtime does not deliver to ${target.destination.service}` },
          });
          continue;
        }
        this.delivery!.deliver(rule, target, event);
      }
    }
  }
}
