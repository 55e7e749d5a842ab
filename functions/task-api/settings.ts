import { z } from 'zod';
import { loadJsonSetting } from '../shared/settings.ts';

/** The task API function's settings: one JSON value in its environment, read once at load. */
export const TASK_API_SETTINGS_ENV = 'TASK_API_SETTINGS';

export const taskApiSettingsSchema = z.strictObject({
  tableName: z.string().min(3),
  ttlDays: z.number().int().min(1),
  /** How long a presigned upload URL is valid. */
  presignExpirySeconds: z.number().int().min(60).max(7 * 86_400),
  pipelines: z.array(
    z.strictObject({
      id: z.string().min(1),
      ingestBucket: z.string().min(3),
      ingestPrefix: z.string().min(1),
      acceptsJsonTasks: z.boolean(),
      /** The work queue a retried task's message goes back to. */
      queueUrl: z.string().min(1),
    }),
  ),
});
export type TaskApiSettings = z.infer<typeof taskApiSettingsSchema>;

export function loadTaskApiSettings(env: NodeJS.ProcessEnv = process.env): TaskApiSettings {
  return loadJsonSetting(TASK_API_SETTINGS_ENV, taskApiSettingsSchema, env);
}
