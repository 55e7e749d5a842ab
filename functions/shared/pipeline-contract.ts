import { z } from 'zod';
import { FAILURE_PREFIX, failureRecordKey, outputFolder } from './keys.ts';

/**
 * The pipeline contract (DESIGN.md, "Pipelines"): what a pipeline construct declares once about
 * itself, handed to its handler and to the local runtime as one validated JSON value
 * (env PIPELINE_CONTRACT), so nothing downstream re-derives a pipeline's layout.
 */

/** Kit pipelines are image, video, settlement and inference; a user's own pipeline names itself. */
export const PIPELINE_ID_PATTERN = /^[a-z][a-z0-9-]{0,39}$/;
const KEY_PREFIX_PATTERN = /^[a-z0-9][a-z0-9/_-]*\/$/;
/** Stable error codes: UPPER_SNAKE_CASE, prefixed by the pipeline by convention (IMAGE_…, VIDEO_…). */
export const ERROR_CODE_PATTERN = /^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$/;

export const pipelineContractSchema = z.strictObject({
  /** The pipeline's id: lowercase letters, digits and '-', e.g. 'image' or 'checksum'. */
  id: z.string().regex(PIPELINE_ID_PATTERN, "lowercase letters, digits and '-', starting with a letter (at most 40)"),
  /** Uploads under this prefix of the ingest bucket are this pipeline's inputs, e.g. 'uploads/'. */
  ingestPrefix: z.string().regex(KEY_PREFIX_PATTERN, "a key prefix ending in '/'"),
  /** Outputs of `<ingestPrefix><rel>` go under `<outputPrefix><rel>/` of the results bucket. */
  outputPrefix: z
    .string()
    .regex(KEY_PREFIX_PATTERN, "a key prefix ending in '/'")
    .refine((p) => !p.startsWith(FAILURE_PREFIX), `must not be under '${FAILURE_PREFIX}', where failure records go`),
  /** File name of the result document in the output folder ('manifest.json', 'report.json', …); written last. */
  resultDocument: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/, 'a file name without slashes'),
  /** Every code this pipeline's failure records may carry (shared codes such as SOURCE_NOT_FOUND included). */
  errorCodes: z.array(z.string().regex(ERROR_CODE_PATTERN, 'UPPER_SNAKE_CASE')).min(1),
  /** Whether `POST /tasks` may carry this pipeline's input inline as JSON. @default false */
  acceptsJsonTasks: z.boolean().default(false),
});

export type PipelineContract = z.infer<typeof pipelineContractSchema>;
export type PipelineContractInput = z.input<typeof pipelineContractSchema>;

/** Validates a contract where it is declared (a construct), failing synth with the field named. */
export function definePipelineContract(input: PipelineContractInput): PipelineContract {
  const parsed = pipelineContractSchema.safeParse(input);
  if (!parsed.success) {
    throw new Error(`Invalid pipeline contract${typeof input.id === 'string' ? ` '${input.id}'` : ''}: ${z.prettifyError(parsed.error)}`);
  }
  return { ...parsed.data, errorCodes: [...new Set(parsed.data.errorCodes)].sort() };
}

/** Reads the contract from its JSON form (the PIPELINE_CONTRACT value); `source` names it in messages. */
export function parsePipelineContract(json: string, source: string): PipelineContract {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch {
    throw new Error(`${source} is not JSON`);
  }
  const parsed = pipelineContractSchema.safeParse(raw);
  if (!parsed.success) throw new Error(`${source} is not a valid pipeline contract: ${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

/** The input key relative to the ingest prefix: `<rel>` in DESIGN.md's layout. */
export function relativeKey(contract: Pick<PipelineContract, 'ingestPrefix'>, inputKey: string): string {
  return inputKey.startsWith(contract.ingestPrefix) ? inputKey.slice(contract.ingestPrefix.length) : inputKey;
}

/**
 * `<outputPrefix><rel>/`: every output of one input. The source's extension stays in the folder
 * name, so `a.jpg` and `a.png` never collide.
 */
export function outputFolderOf(contract: Pick<PipelineContract, 'ingestPrefix' | 'outputPrefix'>, inputKey: string): string {
  return outputFolder(inputKey, contract.ingestPrefix, contract.outputPrefix);
}

/** The result document of an input; its presence means the whole result is in place. */
export function resultKeyOf(contract: Pick<PipelineContract, 'ingestPrefix' | 'outputPrefix' | 'resultDocument'>, inputKey: string): string {
  return `${outputFolderOf(contract, inputKey)}${contract.resultDocument}`;
}

/** `failures/<input key>.json`. */
export function failureKeyOf(inputKey: string): string {
  return failureRecordKey(inputKey);
}

/** The prefix of the results bucket this pipeline's failure records go under. */
export function failurePrefixOf(contract: Pick<PipelineContract, 'ingestPrefix'>): string {
  return `${FAILURE_PREFIX}${contract.ingestPrefix}`;
}
