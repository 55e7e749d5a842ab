import { LocalErrorCode, LocalRuntimeError } from '../errors.ts';

/** Values CloudFormation supplies as pseudo parameters, fixed for one local stack. */
export interface PseudoParameters {
  readonly region: string;
  readonly accountId: string;
  readonly partition: string;
  readonly urlSuffix: string;
  readonly stackName: string;
  readonly stackId: string;
}

/** What a template's references point at; each throws a LocalRuntimeError for what it cannot name. */
export interface ReferenceLookup {
  ref(logicalId: string): unknown;
  getAtt(logicalId: string, attribute: string): unknown;
  importValue(exportName: string): unknown;
}

export interface ResolverInput {
  readonly pseudo: PseudoParameters;
  readonly parameters: Readonly<Record<string, unknown>>;
  readonly conditions?: Readonly<Record<string, unknown>>;
  readonly mappings?: Readonly<Record<string, Record<string, Record<string, unknown>>>>;
  readonly lookup: ReferenceLookup;
}

/** Marks a value `Ref: AWS::NoValue` removed: the enclosing key or list item disappears. */
const NO_VALUE: unique symbol = Symbol('AWS::NoValue');

/**
 * Evaluates CloudFormation intrinsic functions the way CloudFormation would at deploy time, with
 * local names in place of physical ones. Only what CDK emits is supported; anything else fails
 * loudly with the path of the value, never passes through unresolved.
 */
export class IntrinsicResolver {
  private readonly conditionCache = new Map<string, boolean>();

  constructor(private readonly input: ResolverInput) {}

  resolve(value: unknown, path = '$'): unknown {
    const resolved = this.walk(value, path);
    return resolved === NO_VALUE ? undefined : resolved;
  }

  /** Resolves a value that must end up a string (names, URLs, environment variables). */
  resolveString(value: unknown, path: string): string {
    const resolved = this.resolve(value, path);
    if (typeof resolved === 'string') return resolved;
    if (typeof resolved === 'number' || typeof resolved === 'boolean') return String(resolved);
    throw unresolved(path, `expected a string, got ${JSON.stringify(resolved)}`);
  }

  condition(name: string): boolean {
    const cached = this.conditionCache.get(name);
    if (cached !== undefined) return cached;
    const definition = this.input.conditions?.[name];
    if (definition === undefined) throw unresolved(`Conditions.${name}`, 'no such condition');
    const result = this.truthy(this.walk(definition, `Conditions.${name}`), `Conditions.${name}`);
    this.conditionCache.set(name, result);
    return result;
  }

  private walk(value: unknown, path: string): unknown {
    if (Array.isArray(value)) {
      return value.map((item, i) => this.walk(item, `${path}[${i}]`)).filter((item) => item !== NO_VALUE);
    }
    if (value === null || typeof value !== 'object') return value;
    const entries = Object.entries(value as Record<string, unknown>);
    if (entries.length === 1) {
      const [name, argument] = entries[0]!;
      if (name === 'Ref' || name.startsWith('Fn::') || name === 'Condition') {
        return this.intrinsic(name, argument, `${path}.${name}`);
      }
    }
    const out: Record<string, unknown> = {};
    for (const [key, item] of entries) {
      const resolved = this.walk(item, `${path}.${key}`);
      if (resolved !== NO_VALUE) out[key] = resolved;
    }
    return out;
  }

  private intrinsic(name: string, argument: unknown, path: string): unknown {
    switch (name) {
      case 'Ref':
        return this.ref(this.expectString(argument, path), path);
      case 'Fn::GetAtt': {
        const [logicalId, attribute] = this.getAttArguments(argument, path);
        return this.input.lookup.getAtt(logicalId, attribute);
      }
      case 'Fn::Join': {
        const [delimiter, list] = this.expectArray(argument, 2, path);
        const items = this.walk(list, `${path}[1]`);
        if (!Array.isArray(items)) throw unresolved(path, 'Fn::Join needs a list');
        return items.map((item, i) => this.scalar(item, `${path}[1][${i}]`)).join(this.expectString(delimiter, path));
      }
      case 'Fn::Sub':
        return this.sub(argument, path);
      case 'Fn::Select': {
        const [index, list] = this.expectArray(argument, 2, path);
        const items = this.walk(list, `${path}[1]`);
        const i = Number(this.walk(index, `${path}[0]`));
        if (!Array.isArray(items) || !Number.isInteger(i) || i < 0 || i >= items.length) {
          throw unresolved(path, `Fn::Select index ${i} is out of range`);
        }
        return items[i];
      }
      case 'Fn::Split': {
        const [delimiter, source] = this.expectArray(argument, 2, path);
        return this.scalar(this.walk(source, `${path}[1]`), path).split(this.expectString(delimiter, path));
      }
      case 'Fn::If': {
        const [condition, whenTrue, whenFalse] = this.expectArray(argument, 3, path);
        return this.condition(this.expectString(condition, path))
          ? this.walk(whenTrue, `${path}[1]`)
          : this.walk(whenFalse, `${path}[2]`);
      }
      case 'Fn::Equals': {
        const [a, b] = this.expectArray(argument, 2, path);
        return JSON.stringify(this.walk(a, `${path}[0]`)) === JSON.stringify(this.walk(b, `${path}[1]`));
      }
      case 'Fn::And':
        return this.expectArray(argument, -1, path).every((c, i) => this.truthy(this.walk(c, `${path}[${i}]`), path));
      case 'Fn::Or':
        return this.expectArray(argument, -1, path).some((c, i) => this.truthy(this.walk(c, `${path}[${i}]`), path));
      case 'Fn::Not': {
        const [c] = this.expectArray(argument, 1, path);
        return !this.truthy(this.walk(c, `${path}[0]`), path);
      }
      case 'Condition':
        return this.condition(this.expectString(argument, path));
      case 'Fn::ImportValue':
        return this.input.lookup.importValue(this.scalar(this.walk(argument, path), path));
      case 'Fn::FindInMap': {
        const [map, top, second] = this.expectArray(argument, 3, path).map((a, i) => this.scalar(this.walk(a, `${path}[${i}]`), path));
        const found = this.input.mappings?.[map!]?.[top!]?.[second!];
        if (found === undefined) throw unresolved(path, `no mapping ${map}.${top}.${second}`);
        return found;
      }
      case 'Fn::Base64':
        return Buffer.from(this.scalar(this.walk(argument, path), path)).toString('base64');
      case 'Fn::GetAZs':
        return ['a', 'b', 'c'].map((zone) => `${this.input.pseudo.region}${zone}`);
      default:
        throw unresolved(path, `${name} is not supported locally`);
    }
  }

  private ref(name: string, path: string): unknown {
    const { pseudo } = this.input;
    switch (name) {
      case 'AWS::Region':
        return pseudo.region;
      case 'AWS::AccountId':
        return pseudo.accountId;
      case 'AWS::Partition':
        return pseudo.partition;
      case 'AWS::URLSuffix':
        return pseudo.urlSuffix;
      case 'AWS::StackName':
        return pseudo.stackName;
      case 'AWS::StackId':
        return pseudo.stackId;
      case 'AWS::NoValue':
        return NO_VALUE;
      case 'AWS::NotificationARNs':
        return [];
    }
    if (name.startsWith('AWS::')) throw unresolved(path, `pseudo parameter ${name} is not supported locally`);
    if (Object.hasOwn(this.input.parameters, name)) return this.input.parameters[name];
    return this.input.lookup.ref(name);
  }

  private sub(argument: unknown, path: string): string {
    const [template, variables] = Array.isArray(argument) ? (argument as [unknown, unknown]) : [argument, {}];
    const text = this.expectString(template, path);
    const vars = (this.walk(variables ?? {}, `${path}[1]`) ?? {}) as Record<string, unknown>;
    return text.replace(/\$\{(!?)([^}]*)\}/g, (_match, literal: string, expression: string) => {
      if (literal) return `\${${expression}}`;
      if (Object.hasOwn(vars, expression)) return this.scalar(vars[expression], path);
      const dot = expression.indexOf('.');
      if (dot > 0 && !expression.startsWith('AWS::')) {
        return this.scalar(this.input.lookup.getAtt(expression.slice(0, dot), expression.slice(dot + 1)), path);
      }
      return this.scalar(this.ref(expression, path), path);
    });
  }

  private getAttArguments(argument: unknown, path: string): [string, string] {
    if (typeof argument === 'string') {
      const dot = argument.indexOf('.');
      if (dot > 0) return [argument.slice(0, dot), argument.slice(dot + 1)];
    }
    if (Array.isArray(argument) && argument.length === 2) {
      return [this.expectString(argument[0], path), this.scalar(this.walk(argument[1], path), path)];
    }
    throw unresolved(path, `malformed Fn::GetAtt ${JSON.stringify(argument)}`);
  }

  private truthy(value: unknown, path: string): boolean {
    if (typeof value === 'boolean') return value;
    if (value === 'true') return true;
    if (value === 'false') return false;
    throw unresolved(path, `expected a condition, got ${JSON.stringify(value)}`);
  }

  private scalar(value: unknown, path: string): string {
    if (typeof value === 'string') return value;
    if (typeof value === 'number' || typeof value === 'boolean') return String(value);
    throw unresolved(path, `expected a string, got ${JSON.stringify(value)}`);
  }

  private expectString(value: unknown, path: string): string {
    if (typeof value !== 'string') throw unresolved(path, `expected a literal string, got ${JSON.stringify(value)}`);
    return value;
  }

  private expectArray(value: unknown, length: number, path: string): unknown[] {
    if (!Array.isArray(value) || (length >= 0 && value.length !== length)) {
      throw unresolved(path, `expected a list${length >= 0 ? ` of ${length}` : ''}, got ${JSON.stringify(value)}`);
    }
    return value;
  }
}

function unresolved(path: string, reason: string): LocalRuntimeError {
  return new LocalRuntimeError(LocalErrorCode.INTRINSIC_UNRESOLVED, `Cannot resolve ${path}: ${reason}`, { path });
}
