import { compileMatchExpression, EventPatternError, OPERATORS, type MatchExpression, type Scalar } from './match-expressions.ts';

export { EventPatternError } from './match-expressions.ts';

/**
 * EventBridge event patterns (content filtering), compiled once and matched many times. No
 * dependencies, no I/O: a pattern is validated the way PutRule validates it, and an event matches
 * the way the event bus matches it:
 *
 * - every field the pattern names must match (AND); a field matches when any member of its value
 *   list matches any of the event's leaf values there (an event array is a set of values);
 * - `$or: [{…}, {…}, …]` at any level: at least one alternative matches (two or more required);
 * - nested pattern objects follow nested event objects; when the event holds an array of
 *   objects, every condition of the pattern object must hold within ONE element (array
 *   consistency), except a pattern object made only of `exists: false` conditions, which holds
 *   when no element has the field;
 * - `exists` looks at leaves only: a field whose value is an object (or an empty array) does
 *   not exist for `exists: true` and is absent for `exists: false`; `null` is a value;
 * - literals compare by type and value; operators: prefix, suffix (both with equals-ignore-case),
 *   equals-ignore-case, wildcard, anything-but (values, lists, prefix, suffix, equals-ignore-case,
 *   wildcard), numeric (`=`, `<`, `<=`, `>`, `>=`, ranges), exists, cidr (IPv4 and IPv6).
 *
 * Not reproduced: Ruler's treatment of dots in keys (`"a.b"` matching `{a:{b}}`), which its own
 * documentation says not to rely on, and EventBridge's refusal of wildcard patterns it judges too
 * complex to evaluate.
 */
export interface EventPattern {
  readonly source: unknown;
  readonly root: ObjectPattern;
}

interface ObjectPattern {
  readonly fields: readonly FieldPattern[];
  readonly alternatives: readonly (readonly ObjectPattern[])[];
  /** Whether anything in it must be present: such a pattern binds to one array element. */
  readonly binds: boolean;
}

type FieldPattern =
  | { readonly key: string; readonly nested: ObjectPattern }
  | { readonly key: string; readonly tests: readonly ((value: Scalar) => boolean)[]; readonly existsTrue: boolean; readonly existsFalse: boolean };

/** Compiles a pattern (an object, or its JSON text). Throws {@link EventPatternError} naming the problem. */
export function compileEventPattern(pattern: unknown): EventPattern {
  let parsed = pattern;
  if (typeof pattern === 'string') {
    try {
      parsed = JSON.parse(pattern);
    } catch (error) {
      throw new EventPatternError(`not valid JSON: ${(error as Error).message}`, '');
    }
  }
  if (!isObject(parsed)) throw new EventPatternError('Filter is not an object', '');
  return { source: parsed, root: compileObject(parsed, '') };
}

/** Whether an event (the envelope: source, detail-type, detail, …) matches a compiled pattern. */
export function matchesEventPattern(pattern: EventPattern, event: unknown): boolean {
  return matchObject(pattern.root, event);
}

function compileObject(object: Record<string, unknown>, path: string): ObjectPattern {
  const keys = Object.keys(object);
  if (keys.length === 0) throw new EventPatternError('Empty objects are not allowed', path);
  const fields: FieldPattern[] = [];
  const alternatives: ObjectPattern[][] = [];
  for (const key of keys) {
    const value = object[key];
    const at = path ? `${path}.${key}` : key;
    if (key === '$or' && isOrList(value)) {
      if (value.length < 2) throw new EventPatternError('There must have at least 2 Objects in $or relationship.', at);
      alternatives.push(value.map((alternative, i) => compileObject(alternative, `${at}[${i}]`)));
    } else if (Array.isArray(value)) {
      fields.push(compileLeaf(key, value, at));
    } else if (isObject(value)) {
      fields.push({ key, nested: compileObject(value, at) });
    } else {
      throw new EventPatternError(`"${key}" must be an object or an array`, at);
    }
  }
  const binds =
    fields.some((field) => ('nested' in field ? field.nested.binds : field.tests.length > 0 || field.existsTrue)) ||
    alternatives.some((group) => group.some((alternative) => alternative.binds));
  return { fields, alternatives, binds };
}

/** `$or` is the operator only for a list of objects none of whose keys is an operator name. */
function isOrList(value: unknown): value is Record<string, unknown>[] {
  return Array.isArray(value) && value.length > 0 && value.every((item) => isObject(item) && !Object.keys(item).some((key) => OPERATORS.has(key)));
}

function compileLeaf(key: string, members: readonly unknown[], path: string): FieldPattern {
  if (members.length === 0) throw new EventPatternError('Empty arrays are not allowed', path);
  const compiled: MatchExpression[] = members.map((member, i) => compileMatchExpression(member, `${path}[${i}]`));
  return {
    key,
    tests: compiled.flatMap((expression) => (expression.kind === 'test' ? [expression.test] : [])),
    existsTrue: compiled.some((expression) => expression.kind === 'exists' && expression.exists),
    existsFalse: compiled.some((expression) => expression.kind === 'exists' && !expression.exists),
  };
}

function matchObject(pattern: ObjectPattern, value: unknown): boolean {
  if (Array.isArray(value)) {
    const elements = flatten(value);
    return pattern.binds ? elements.some((element) => matchObject(pattern, element)) : elements.every((element) => matchObject(pattern, element));
  }
  const object = isObject(value) ? value : {};
  for (const field of pattern.fields) {
    const child = Object.hasOwn(object, field.key) ? object[field.key] : undefined;
    if ('nested' in field) {
      if (!matchObject(field.nested, child)) return false;
    } else if (!matchLeaf(field, child)) {
      return false;
    }
  }
  return pattern.alternatives.every((group) => group.some((alternative) => matchObject(alternative, object)));
}

function matchLeaf(field: Extract<FieldPattern, { tests: unknown }>, value: unknown): boolean {
  const values = leafValues(value);
  if (values.length === 0) return field.existsFalse;
  return field.existsTrue || field.tests.some((test) => values.some((v) => test(v)));
}

/** The leaf values at a field: a scalar, or the scalars of an array (nested arrays flattened). */
function leafValues(value: unknown): Scalar[] {
  if (value === undefined || isObject(value)) return [];
  if (Array.isArray(value)) return flatten(value).filter((v): v is Scalar => !isObject(v));
  return [value as Scalar];
}

function flatten(values: readonly unknown[]): unknown[] {
  return values.flatMap((value) => (Array.isArray(value) ? flatten(value) : [value]));
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
