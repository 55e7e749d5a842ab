import { z } from 'zod';
import { loadJsonSetting } from '../shared/settings.ts';

/** The dead-letter recorder's settings: one JSON value in its environment, read once at load. */
export const RECORDER_SETTINGS_ENV = 'TASK_RECORDER_SETTINGS';

export const recorderSettingsSchema = z.strictObject({
  tableName: z.string().min(3),
  ttlDays: z.number().int().min(1),
  busName: z.string().min(1).optional(),
  pipelines: z.array(z.strictObject({ id: z.string().min(1), ingestPrefix: z.string().min(1), deadLetterQueueArn: z.string().min(1) })).min(1),
});
export type RecorderSettings = z.infer<typeof recorderSettingsSchema>;

export function loadRecorderSettings(env: NodeJS.ProcessEnv = process.env): RecorderSettings {
  return loadJsonSetting(RECORDER_SETTINGS_ENV, recorderSettingsSchema, env);
}
