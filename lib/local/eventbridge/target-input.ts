import { parseJsonPath, valueAt, type JsonPath } from './json-path.ts';

/** A rule target's Input, InputPath or InputTransformer, as the template states them. */
export interface RawTargetInput {
  readonly Input?: unknown;
  readonly InputPath?: unknown;
  readonly InputTransformer?: { readonly InputPathsMap?: Record<string, unknown>; readonly InputTemplate?: unknown };
}

export type TargetInput =
  | { readonly kind: 'event' }
  | { readonly kind: 'constant'; readonly text: string }
  | { readonly kind: 'path'; readonly path: JsonPath; readonly source: string }
  | { readonly kind: 'transformer'; readonly paths: ReadonlyMap<string, JsonPath>; readonly template: string; readonly json: boolean };

/** What the rule adds to the event for the transformer's predefined variables. */
export interface RuleContext {
  readonly ruleArn: string;
  readonly ruleName: string;
  readonly ingestionTime: string;
}

export class TargetInputError extends Error {
  override readonly name = 'TargetInputError';
}

const PREDEFINED = new Set(['aws.events.rule-arn', 'aws.events.rule-name', 'aws.events.event.ingestion-time', 'aws.events.event', 'aws.events.event.json']);
/** Predefined variables whose values are JSON objects, inserted unescaped: only a JSON field value may hold them. */
const OBJECT_VARIABLES = new Set(['aws.events.event', 'aws.events.event.json']);
const PLACEHOLDER = /<([A-Za-z0-9_.-]+)>/g;
const MAX_VARIABLES = 100;

/** Validates a target's input settings (what PutTargets refuses, start refuses). */
export function compileTargetInput(raw: RawTargetInput): TargetInput {
  const given = (['Input', 'InputPath', 'InputTransformer'] as const).filter((name) => raw[name] !== undefined);
  if (given.length > 1) throw new TargetInputError(`Only one of Input, InputPath, or InputTransformer may be given; found ${given.join(' and ')}`);
  if (raw.Input !== undefined) {
    const text = typeof raw.Input === 'string' ? raw.Input : JSON.stringify(raw.Input);
    try {
      JSON.parse(text);
    } catch {
      throw new TargetInputError(`Input must be valid JSON text: ${text.slice(0, 80)}`);
    }
    return { kind: 'constant', text };
  }
  if (raw.InputPath !== undefined) {
    const path = parseJsonPath(String(raw.InputPath));
    if (!path) throw new TargetInputError(`InputPath ${String(raw.InputPath)} is not a JSONPath the local runtime evaluates ($, .name, ['name'], [index])`);
    return { kind: 'path', path, source: String(raw.InputPath) };
  }
  if (raw.InputTransformer === undefined) return { kind: 'event' };
  const template = raw.InputTransformer.InputTemplate;
  if (typeof template !== 'string') throw new TargetInputError('InputTransformer needs an InputTemplate string');
  const paths = new Map<string, JsonPath>();
  const entries = Object.entries(raw.InputTransformer.InputPathsMap ?? {});
  if (entries.length > MAX_VARIABLES) throw new TargetInputError(`InputPathsMap defines ${entries.length} variables; at most ${MAX_VARIABLES} are allowed`);
  for (const [name, source] of entries) {
    if (!/^[A-Za-z0-9_-]+$/.test(name)) throw new TargetInputError(`InputPathsMap key ${name} may hold only letters, digits, _ and -`);
    if (PREDEFINED.has(name)) throw new TargetInputError(`InputPathsMap key ${name} is a predefined variable`);
    const path = parseJsonPath(String(source));
    if (!path) throw new TargetInputError(`InputPathsMap.${name} (${String(source)}) is not a JSONPath the local runtime evaluates`);
    paths.set(name, path);
  }
  const json = /^\s*[{[]/.test(template);
  for (const { name, inString } of placeholders(template, json)) {
    if (!paths.has(name) && !PREDEFINED.has(name)) throw new TargetInputError(`InputTemplate contains invalid placeholder ${name}`);
    if (OBJECT_VARIABLES.has(name) && inString) throw new TargetInputError(`<${name}> can only be the value of a JSON field, not part of a string`);
  }
  return { kind: 'transformer', paths, template, json };
}

/**
 * The text a target receives, or undefined when an InputPath names nothing in the event. A
 * transformer follows EventBridge's quoting rules: in a JSON template a variable outside a
 * string literal becomes its JSON value (strings quoted), one inside a string literal is
 * inserted as is, unescaped; a template that is not JSON is text with the values inserted as
 * is. A variable whose path names nothing in the event becomes an empty string.
 */
export function renderTargetInput(input: TargetInput, event: Record<string, unknown>, context: RuleContext): string | undefined {
  switch (input.kind) {
    case 'event':
      return JSON.stringify(event);
    case 'constant':
      return input.text;
    case 'path': {
      const value = valueAt(event, input.path);
      return value === undefined ? undefined : JSON.stringify(value);
    }
    case 'transformer': {
      const values = new Map<string, unknown>();
      for (const [name, path] of input.paths) values.set(name, valueAt(event, path));
      values.set('aws.events.rule-arn', context.ruleArn);
      values.set('aws.events.rule-name', context.ruleName);
      values.set('aws.events.event.ingestion-time', context.ingestionTime);
      const { detail: _detail, ...envelope } = event;
      values.set('aws.events.event', envelope);
      values.set('aws.events.event.json', event);
      let output = '';
      let last = 0;
      for (const { name, index, length, inString } of placeholders(input.template, input.json)) {
        const value = values.get(name);
        output += input.template.slice(last, index);
        output += input.json && !inString ? JSON.stringify(value ?? '') : typeof value === 'string' ? value : value === undefined ? '' : JSON.stringify(value);
        last = index + length;
      }
      return output + input.template.slice(last);
    }
  }
}

interface Placeholder {
  readonly name: string;
  readonly index: number;
  readonly length: number;
  /** Inside a JSON string literal of a JSON template. */
  readonly inString: boolean;
}

function placeholders(template: string, json: boolean): Placeholder[] {
  const found: Placeholder[] = [];
  for (const match of template.matchAll(PLACEHOLDER)) {
    found.push({ name: match[1]!, index: match.index, length: match[0].length, inString: json ? insideString(template, match.index) : true });
  }
  return found;
}

/** Whether a position of a JSON template lies inside a string literal (unescaped quotes counted). */
function insideString(template: string, position: number): boolean {
  let inString = false;
  for (let i = 0; i < position; i++) {
    const char = template[i];
    if (char === '\\' && inString) i++;
    else if (char === '"') inString = !inString;
  }
  return inString;
}
