import { Construct } from 'constructs';
import { z } from 'zod';
import type { QueuePipeline } from '../pipelines/queue-pipeline.ts';
import type { KitAlerts } from './alerts.ts';
import type { KitFunction } from './kit-function.ts';

/** Config `monitoring` (SKELETON: the monitoring helper fills this in). */
export const monitoringConfigSchema = z.strictObject({
  /** @default false */
  dashboard: z.boolean().default(false),
});
export type MonitoringConfig = z.infer<typeof monitoringConfigSchema>;
export const MONITORING_DEFAULTS: MonitoringConfig = monitoringConfigSchema.parse({});

export interface KitMonitoringProps {
  readonly config: MonitoringConfig;
  /** The alarm destination; alarms beyond the dead-letter ones are created when it is set. @default none */
  readonly alerts?: KitAlerts;
  readonly pipelines: readonly QueuePipeline[];
  /** Every KitFunction of the stack. */
  readonly functions: readonly KitFunction[];
}

export class KitMonitoring extends Construct {
  constructor(scope: Construct, id: string, props: KitMonitoringProps) {
    super(scope, id);
    void props;
  }
}
