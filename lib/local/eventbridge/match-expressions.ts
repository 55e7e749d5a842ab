import { cidrContains, parseCidr, parseIp } from './cidr.ts';

/** A leaf value of an event: what a match expression compares (objects and arrays are not leaves). */
export type Scalar = string | number | boolean | null;

/** One member of a field's value list in an event pattern, compiled. */
export type MatchExpression = { readonly kind: 'test'; readonly test: (value: Scalar) => boolean } | { readonly kind: 'exists'; readonly exists: boolean };

/** A pattern that does not compile: `reason` says why, `path` where (e.g. `detail.state[0]`). */
export class EventPatternError extends Error {
  override readonly name = 'EventPatternError';
  readonly code = 'INVALID_EVENT_PATTERN';

  constructor(
    readonly reason: string,
    readonly path: string,
  ) {
    super(`Event pattern is not valid. Reason: ${reason}${path ? ` (at ${path})` : ''}`);
  }
}

/** The operator names EventBridge reserves; a `$or` member using one is not an alternative. */
export const OPERATORS = new Set(['prefix', 'suffix', 'equals-ignore-case', 'wildcard', 'anything-but', 'numeric', 'exists', 'cidr']);

/**
 * Compiles one member of a pattern's value list: a literal (string, number, boolean, null) or
 * an object with exactly one operator. Comparisons are typed as EventBridge's are: the string
 * "5" never equals the number 5, and string operators never match numbers.
 */
export function compileMatchExpression(member: unknown, path: string): MatchExpression {
  if (member === null || typeof member === 'string' || typeof member === 'boolean') {
    return { kind: 'test', test: (value) => value === member };
  }
  if (typeof member === 'number') {
    // Numbers compare by value: 300 matches 300.0 and 3.0e2 alike.
    return { kind: 'test', test: (value) => typeof value === 'number' && value === member };
  }
  if (Array.isArray(member) || typeof member !== 'object') {
    throw new EventPatternError('Match value must be String, number, true, false, or null', path);
  }
  const keys = Object.keys(member);
  if (keys.length !== 1) throw new EventPatternError(keys.length === 0 ? 'Empty objects are not allowed' : 'Only one key allowed in match expression', path);
  const operator = keys[0]!;
  const operand = (member as Record<string, unknown>)[operator];
  const at = `${path}.${operator}`;
  switch (operator) {
    case 'prefix':
      return stringTest(affix(operand, at, 'prefix'), (value, text) => value.startsWith(text), (value, text) => lower(value).startsWith(lower(text)));
    case 'suffix':
      return stringTest(affix(operand, at, 'suffix'), (value, text) => value.endsWith(text), (value, text) => lower(value).endsWith(lower(text)));
    case 'equals-ignore-case': {
      const text = requireString(operand, at, 'equals-ignore-case match pattern must be a string');
      return { kind: 'test', test: (value) => typeof value === 'string' && equalsIgnoreCase(value, text) };
    }
    case 'wildcard': {
      const regex = wildcardRegex(requireString(operand, at, 'wildcard match pattern must be a string'), at);
      return { kind: 'test', test: (value) => typeof value === 'string' && regex.test(value) };
    }
    case 'anything-but':
      return anythingBut(operand, at);
    case 'numeric':
      return numeric(operand, at);
    case 'exists':
      if (typeof operand !== 'boolean') throw new EventPatternError('exists match pattern must be either true or false.', at);
      return { kind: 'exists', exists: operand };
    case 'cidr': {
      const block = parseCidr(requireString(operand, at, 'cidr match pattern must be a string'));
      if (!block) throw new EventPatternError(`Nonstandard IP address: ${String(operand)}`, at);
      return {
        kind: 'test',
        test: (value) => {
          if (typeof value !== 'string') return false;
          const address = parseIp(value);
          return address !== undefined && cidrContains(block, address);
        },
      };
    }
    default:
      throw new EventPatternError(`Unrecognized match type ${operator}`, path);
  }
}

interface Affix {
  readonly text: string;
  readonly ignoreCase: boolean;
}

/** `"prefix": "x"` or `"prefix": {"equals-ignore-case": "x"}` (the same for suffix). */
function affix(operand: unknown, path: string, name: string): Affix {
  if (typeof operand === 'string') return { text: operand, ignoreCase: false };
  if (operand !== null && typeof operand === 'object' && !Array.isArray(operand)) {
    const keys = Object.keys(operand);
    if (keys.length !== 1 || keys[0] !== 'equals-ignore-case') {
      throw new EventPatternError(`Unsupported ${name} pattern: ${keys.join(', ')}`, path);
    }
    const text = requireString((operand as Record<string, unknown>)['equals-ignore-case'], `${path}.equals-ignore-case`, 'equals-ignore-case match pattern must be a string');
    return { text, ignoreCase: true };
  }
  throw new EventPatternError(`${name} match pattern must be a string`, path);
}

function stringTest(
  { text, ignoreCase }: Affix,
  exact: (value: string, text: string) => boolean,
  caseless: (value: string, text: string) => boolean,
): MatchExpression {
  const compare = ignoreCase ? caseless : exact;
  return { kind: 'test', test: (value) => typeof value === 'string' && compare(value, text) };
}

/**
 * `anything-but` matches every leaf value (null included) except the excluded ones; a value of
 * another type than the exclusions is never excluded. A missing field is not a value, so it
 * never matches.
 */
function anythingBut(operand: unknown, path: string): MatchExpression {
  if (typeof operand === 'string' || typeof operand === 'number') return anythingButValues([operand], path);
  if (Array.isArray(operand)) return anythingButValues(operand, path);
  if (operand === null || typeof operand !== 'object') {
    throw new EventPatternError('Value of anything-but must be an array or single string/number value.', path);
  }
  const keys = Object.keys(operand);
  if (keys.length !== 1) throw new EventPatternError('Only one key allowed in anything-but expression', path);
  const operator = keys[0]!;
  const at = `${path}.${operator}`;
  if (!['prefix', 'suffix', 'equals-ignore-case', 'wildcard'].includes(operator)) throw new EventPatternError(`Unsupported anything-but pattern: ${operator}`, path);
  const raw = (operand as Record<string, unknown>)[operator];
  const list = Array.isArray(raw) ? raw : [raw];
  if (list.length === 0) throw new EventPatternError('Empty arrays are not allowed', at);
  const texts = list.map((item) => requireString(item, at, `anything-but/${operator} match pattern must be a string`));
  let excluded: (value: string) => boolean;
  switch (operator) {
    case 'prefix':
    case 'suffix':
      if (texts.some((text) => text === '')) throw new EventPatternError('Null prefix/suffix not allowed', at);
      excluded = operator === 'prefix' ? (value) => texts.some((t) => value.startsWith(t)) : (value) => texts.some((t) => value.endsWith(t));
      break;
    case 'equals-ignore-case':
      excluded = (value) => texts.some((t) => equalsIgnoreCase(value, t));
      break;
    default: {
      const regexes = texts.map((text) => wildcardRegex(text, at));
      excluded = (value) => regexes.some((regex) => regex.test(value));
    }
  }
  return { kind: 'test', test: (value) => typeof value !== 'string' || !excluded(value) };
}

function anythingButValues(values: readonly unknown[], path: string): MatchExpression {
  if (values.length === 0) throw new EventPatternError('Empty arrays are not allowed', path);
  const strings = values.every((v) => typeof v === 'string');
  const numbers = values.every((v) => typeof v === 'number' && Number.isFinite(v));
  if (!strings && !numbers) {
    throw new EventPatternError('Inside anything but list, either all values are number or string, mixed type is not supported', path);
  }
  const excluded = new Set(values as (string | number)[]);
  const type = strings ? 'string' : 'number';
  return { kind: 'test', test: (value) => typeof value !== type || !excluded.has(value as string | number) };
}

interface Bound {
  readonly value: number;
  readonly inclusive: boolean;
}

/** `[op, n]` or a range `[">" | ">=", n, "<" | "<=", m]`; `=` stands alone. Only JSON numbers match. */
function numeric(operand: unknown, path: string): MatchExpression {
  if (!Array.isArray(operand)) throw new EventPatternError('Value of numeric must be an array.', path);
  const number = (index: number): number => {
    const value = operand[index];
    if (typeof value !== 'number' || !Number.isFinite(value)) throw new EventPatternError(`Value of ${String(operand[index - 1])} must be numeric`, path);
    return value;
  };
  const op = (index: number): string => {
    const value = operand[index];
    if (typeof value !== 'string') throw new EventPatternError(`Invalid member in numeric match: ${JSON.stringify(value)}`, path);
    return value;
  };
  let lower: Bound | undefined;
  let upper: Bound | undefined;
  const first = op(0);
  if (first === '=') {
    const value = number(1);
    if (operand.length !== 2) throw new EventPatternError('Too many elements in numeric expression', path);
    return { kind: 'test', test: (v) => typeof v === 'number' && v === value };
  }
  if (first === '>' || first === '>=') {
    lower = { value: number(1), inclusive: first === '>=' };
    if (operand.length > 2) {
      const second = op(2);
      if (second !== '<' && second !== '<=') throw new EventPatternError(`Bad value in numeric range: ${second}`, path);
      upper = { value: number(3), inclusive: second === '<=' };
      if (operand.length > 4) throw new EventPatternError('Too many elements in numeric expression', path);
      if (upper.value <= lower.value) throw new EventPatternError('Bottom must be less than top', path);
    }
  } else if (first === '<' || first === '<=') {
    upper = { value: number(1), inclusive: first === '<=' };
    if (operand.length > 2) throw new EventPatternError('Too many elements in numeric expression', path);
  } else {
    throw new EventPatternError(`Unrecognized numeric range operator: ${first}`, path);
  }
  return {
    kind: 'test',
    test: (v) =>
      typeof v === 'number' &&
      (!lower || (lower.inclusive ? v >= lower.value : v > lower.value)) &&
      (!upper || (upper.inclusive ? v <= upper.value : v < upper.value)),
  };
}

/**
 * `*` matches any run of characters (none included); `\*` is a literal star and `\\` a literal
 * backslash. Consecutive stars and any other escape are refused, as EventBridge refuses them.
 */
export function wildcardRegex(pattern: string, path: string): RegExp {
  let source = '';
  let previousStar = false;
  for (let i = 0; i < pattern.length; i++) {
    const char = pattern[i]!;
    if (char === '\\') {
      const next = pattern[i + 1];
      if (next !== '*' && next !== '\\') throw new EventPatternError(`Invalid escape sequence in wildcard pattern at character ${i}`, path);
      source += escapeRegex(next);
      i++;
      previousStar = false;
    } else if (char === '*') {
      if (previousStar) throw new EventPatternError(`Consecutive wildcard characters at pos ${i}`, path);
      source += '[\\s\\S]*';
      previousStar = true;
    } else {
      source += escapeRegex(char);
      previousStar = false;
    }
  }
  return new RegExp(`^${source}$`, 'u');
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

function requireString(value: unknown, path: string, reason: string): string {
  if (typeof value !== 'string') throw new EventPatternError(reason, path);
  return value;
}

function lower(text: string): string {
  return text.toLowerCase();
}

function equalsIgnoreCase(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase() || a.toUpperCase() === b.toUpperCase();
}
