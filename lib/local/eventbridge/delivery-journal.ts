/** What became of one event put on a bus: which rules it matched. */
export interface EventRecord {
  readonly kind: 'event';
  readonly at: number;
  readonly eventId: string;
  readonly bus: string;
  readonly source: string;
  readonly detailType: string;
  /** Names of the enabled rules whose pattern matched (or the schedule rule that made it). */
  readonly matchedRules: readonly string[];
  /** `no-such-bus`: EventBridge accepts events for a bus that does not exist, and drops them. */
  readonly outcome: 'routed' | 'unmatched' | 'no-such-bus';
}

export type DeliveryOutcome = 'delivered' | 'retrying' | 'dead-lettered' | 'dropped' | 'skipped';

/** One delivery attempt of an event to a rule target, and how it ended. */
export interface DeliveryRecord {
  readonly kind: 'delivery';
  readonly at: number;
  readonly eventId: string;
  readonly bus: string;
  readonly rule: string;
  readonly ruleArn: string;
  readonly target: string;
  readonly targetArn: string;
  /** 1 = first attempt. */
  readonly attempt: number;
  readonly outcome: DeliveryOutcome;
  readonly error?: { readonly code: string; readonly message: string };
  /** For `dead-lettered`: the queue the event went to. */
  readonly deadLetterArn?: string;
}

export type JournalRecord = EventRecord | DeliveryRecord;
export type JournalListener = (record: JournalRecord) => void;

/**
 * Every event the local EventBridge saw and every delivery it attempted, in order, bounded in
 * memory. Tests and the CLI read it to see where an event went, or why it went nowhere.
 */
export class EventDeliveryJournal {
  private readonly entries: JournalRecord[] = [];
  private readonly listeners = new Set<JournalListener>();

  constructor(private readonly capacity = 10_000) {}

  record(entry: JournalRecord): void {
    this.entries.push(entry);
    if (this.entries.length > this.capacity) this.entries.shift();
    for (const listener of [...this.listeners]) listener(entry);
  }

  all(): readonly JournalRecord[] {
    return this.entries;
  }

  events(): EventRecord[] {
    return this.entries.filter((entry): entry is EventRecord => entry.kind === 'event');
  }

  deliveries(filter: Partial<Pick<DeliveryRecord, 'eventId' | 'rule' | 'target' | 'outcome'>> = {}): DeliveryRecord[] {
    return this.entries.filter(
      (entry): entry is DeliveryRecord =>
        entry.kind === 'delivery' && Object.entries(filter).every(([key, value]) => (entry as unknown as Record<string, unknown>)[key] === value),
    );
  }

  onRecord(listener: JournalListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Resolves with the first record (already kept or still to come) that satisfies `predicate`. */
  waitFor<T extends JournalRecord>(predicate: (record: JournalRecord) => record is T, timeoutMs?: number): Promise<T>;
  waitFor(predicate: (record: JournalRecord) => boolean, timeoutMs?: number): Promise<JournalRecord>;
  waitFor(predicate: (record: JournalRecord) => boolean, timeoutMs = 10_000): Promise<JournalRecord> {
    const known = this.entries.find(predicate);
    if (known) return Promise.resolve(known);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        stop();
        reject(new Error(`No EventBridge journal record matched within ${timeoutMs} ms`));
      }, timeoutMs);
      const stop = this.onRecord((record) => {
        if (!predicate(record)) return;
        clearTimeout(timer);
        stop();
        resolve(record);
      });
    });
  }
}
