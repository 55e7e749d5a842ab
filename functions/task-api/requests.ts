import { z } from 'zod';
import { TASK_STATES } from '../shared/tasks/task-states.ts';

/** Request bodies and queries of the task API (DESIGN.md, "Tasks"), validated with field paths. */

/** Bytes a request body may have: a JSON task travels inline, files go through a presigned upload. */
export const MAX_BODY_BYTES = 256 * 1024;

const uploadName = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[^/\\\u0000-\u001f]+$/, 'a file name without slashes or control characters')
  .refine((name) => name !== '.' && name !== '..', 'a file name, not . or ..');

const jsonTaskSchema = z.strictObject({
  pipeline: z.string().min(1),
  /** The task's input as JSON, for pipelines whose contract accepts JSON tasks. */
  input: z.record(z.string(), z.unknown()),
});

const uploadTaskSchema = z.strictObject({
  pipeline: z.string().min(1),
  /** A file to upload with the presigned URL the answer carries. */
  upload: z.strictObject({
    name: uploadName,
    contentType: z.string().regex(/^[\w.+-]+\/[\w.+-]+$/, 'a MIME type such as image/jpeg'),
  }),
});

export type SubmitTask = z.infer<typeof jsonTaskSchema> | z.infer<typeof uploadTaskSchema>;

/** `{pipeline, input}` or `{pipeline, upload}`: told apart by which field is there, so errors name the right path. */
export function parseSubmitTask(body: unknown): z.ZodSafeParseResult<SubmitTask> {
  const schema = typeof body === 'object' && body !== null && 'upload' in body ? uploadTaskSchema : jsonTaskSchema;
  return schema.safeParse(body) as z.ZodSafeParseResult<SubmitTask>;
}

const epochOrIso = z.union([
  z.coerce.number().int().min(0),
  z.iso.datetime({ offset: true }).transform((value) => Date.parse(value)),
]);

export const listQuerySchema = z.strictObject({
  pipeline: z.string().min(1).optional(),
  state: z.enum(TASK_STATES).optional(),
  /** Epoch milliseconds or an ISO 8601 time. */
  since: epochOrIso.optional(),
  limit: z.coerce.number().int().min(1).max(200).optional(),
  next: z.string().min(1).optional(),
});

export const redriveQuerySchema = z.strictObject({
  dryRun: z.enum(['true', 'false']).default('false').transform((value) => value === 'true'),
});

/** The first problem of a failed parse, as the API's 400 names it. */
export function firstIssue(error: z.ZodError): { field: string; message: string } {
  const issue = error.issues[0]!;
  return { field: issue.path.map(String).join('.') || '(body)', message: issue.message };
}
