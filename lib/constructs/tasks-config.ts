import { z } from 'zod';

/** Config `tasks`: the task table, its API and the dead-letter recorder (DESIGN.md, "Tasks"). */
export const tasksConfigSchema = z.strictObject({
  /** Leave the task table, API and recorder out with `false`. @default true */
  enabled: z.boolean().default(true),
  /** Days a finished task is kept (DynamoDB TTL). @default 30 */
  ttlDays: z.number().int().min(1).max(3650).default(30),
  /** How long a presigned upload URL of `POST /tasks` is valid. @default 900 */
  presignExpirySeconds: z.number().int().min(60).max(7 * 86_400).default(900),
});
export type TasksConfig = z.infer<typeof tasksConfigSchema>;
export const TASKS_DEFAULTS: TasksConfig = tasksConfigSchema.parse({});

/** Config `events`: the kit's EventBridge bus. */
export const eventsConfigSchema = z.strictObject({
  /** One per account and region: give each kit stack its own when deploying several. @default 'media-kit' */
  busName: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,256}$/, "letters, digits, '.', '_' and '-'")
    .refine((name) => name !== 'default', "'default' is the account's own bus")
    .default('media-kit'),
});
export type EventsConfig = z.infer<typeof eventsConfigSchema>;
export const EVENTS_DEFAULTS: EventsConfig = eventsConfigSchema.parse({});
