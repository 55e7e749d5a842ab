/**
 * The one price table every cost estimate uses: list prices in USD, on-demand, without free
 * tiers or savings plans. Dated and sourced so a reader can check and update it; a region not
 * listed falls back to us-east-1 unless the caller passes its own table (config `prices`).
 */
export interface PriceTable {
  /** The day these prices were read from the source pages. */
  readonly asOf: string;
  readonly source: readonly string[];
  readonly region: string;
  readonly lambda: {
    /** Per GB-second of billed duration, by architecture. */
    readonly gbSecond: { readonly x86_64: number; readonly arm64: number };
    readonly perRequest: number;
  };
  /** Standard queue, per request (each 64 KB chunk of a payload is one request). */
  readonly sqsPerRequest: number;
  readonly s3: { readonly perPut: number; readonly perGet: number };
  /** On-demand capacity, per request unit. */
  readonly dynamodb: { readonly perWrite: number; readonly perRead: number };
  /** Custom events published, per event (64 KB chunks). */
  readonly eventBridgePerEvent: number;
  /** An always-on container to compare with: Fargate Linux, per hour. */
  readonly fargate: {
    readonly x86_64: { readonly vcpuHour: number; readonly gbHour: number };
    readonly arm64: { readonly vcpuHour: number; readonly gbHour: number };
  };
}

export const US_EAST_1_PRICES: PriceTable = {
  asOf: '2026-11-01',
  source: [
    'https://aws.amazon.com/lambda/pricing/',
    'https://aws.amazon.com/sqs/pricing/',
    'https://aws.amazon.com/s3/pricing/',
    'https://aws.amazon.com/dynamodb/pricing/on-demand/',
    'https://aws.amazon.com/eventbridge/pricing/',
    'https://aws.amazon.com/fargate/pricing/',
  ],
  region: 'us-east-1',
  lambda: { gbSecond: { x86_64: 0.0000166667, arm64: 0.0000133334 }, perRequest: 0.2 / 1e6 },
  sqsPerRequest: 0.4 / 1e6,
  s3: { perPut: 0.005 / 1000, perGet: 0.0004 / 1000 },
  dynamodb: { perWrite: 0.625 / 1e6, perRead: 0.125 / 1e6 },
  eventBridgePerEvent: 1 / 1e6,
  fargate: {
    x86_64: { vcpuHour: 0.04048, gbHour: 0.004445 },
    arm64: { vcpuHour: 0.03238, gbHour: 0.00356 },
  },
};

const TABLES: Readonly<Record<string, PriceTable>> = { 'us-east-1': US_EAST_1_PRICES };

/** The table for a region; regions without their own table are priced as us-east-1 and say so. */
export function priceTableFor(region: string, override?: PriceTable): { table: PriceTable; exact: boolean } {
  if (override) return { table: override, exact: override.region === region };
  const table = TABLES[region];
  return table ? { table, exact: true } : { table: US_EAST_1_PRICES, exact: false };
}
