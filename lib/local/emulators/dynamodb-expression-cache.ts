import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/** What dynalite's parsers are called with: the request's aliases and the sets of those not used yet. */
interface ParseContext {
  readonly attrNames?: Record<string, string>;
  readonly attrVals?: Record<string, Record<string, unknown>>;
  readonly unusedAttrNames?: Record<string, boolean>;
  readonly unusedAttrVals?: Record<string, boolean>;
}

interface Parser {
  parse(expression: string, options: { context: ParseContext }): unknown;
}

/** Where a template holds one of the request's values: the alias it came from. */
const VALUE = Symbol('value');
type Template = unknown;

/** How many distinct expressions are kept; a client that never repeats one only fills it. */
const MAX_ENTRIES = 500;

/**
 * dynalite's expressions are parsed by generated PEG parsers, about 0.4 ms a request, the largest
 * share of what a write costs the local DynamoDB. Clients send the same expressions over and over
 * with other values (the task ledger's two writes every task), so a parse is kept as a template:
 * the result with each value the request's aliases resolved to replaced by its alias, keyed by the
 * expression, its attribute names and the types of its values (all a parse checks besides
 * syntax). A later request with the same key gets the template filled with its own values, and
 * marks the same aliases used. Expressions whose checks compare values themselves (BETWEEN's
 * bounds, attribute_type's type name) are parsed every time; so are failed parses, whose errors
 * must name the request's own values.
 */
export class ExpressionCache {
  private readonly templates = new Map<string, { template: Template; names: string[]; values: string[] }>();
  hits = 0;
  misses = 0;

  /** `parser`'s parse, through the cache; `kind` names the grammar. */
  wrap(kind: string, parser: Parser): Parser['parse'] {
    const parse = parser.parse.bind(parser);
    return (expression, options) => this.parse(kind, parse, expression, options);
  }

  private parse(kind: string, parse: Parser['parse'], expression: string, options: { context: ParseContext }): unknown {
    const { context } = options;
    if (/between|attribute_type/i.test(expression)) return parse(expression, options);
    const values = context.attrVals ?? {};
    const key = JSON.stringify([kind, expression, context.attrNames ?? {}, Object.entries(values).map(([alias, value]) => [alias, Object.keys(value)])]);
    const cached = this.templates.get(key);
    if (cached) {
      this.hits++;
      for (const name of cached.names) delete context.unusedAttrNames?.[name];
      for (const alias of cached.values) delete context.unusedAttrVals?.[alias];
      return fill(cached.template, values);
    }
    this.misses++;
    const unusedNames = new Set(Object.keys(context.unusedAttrNames ?? {}));
    const unusedValues = new Set(Object.keys(context.unusedAttrVals ?? {}));
    const result = parse(expression, options);
    if (typeof result === 'string' || result === null || typeof result !== 'object') return result;
    const aliasOf = new Map<unknown, string>(Object.entries(values).map(([alias, value]) => [value, alias]));
    if (this.templates.size >= MAX_ENTRIES) this.templates.delete(this.templates.keys().next().value!);
    this.templates.set(key, {
      template: templateOf(result, aliasOf),
      names: [...unusedNames].filter((name) => !(name in (context.unusedAttrNames ?? {}))),
      values: [...unusedValues].filter((alias) => !(alias in (context.unusedAttrVals ?? {}))),
    });
    return result;
  }
}

/** A deep copy of a parse result with each of the request's values (by identity) replaced by its alias. */
function templateOf(node: unknown, aliasOf: ReadonlyMap<unknown, string>): Template {
  const alias = aliasOf.get(node);
  if (alias !== undefined) return { [VALUE]: alias };
  if (Array.isArray(node)) return node.map((item) => templateOf(item, aliasOf));
  if (node === null || typeof node !== 'object') return node;
  const copy = Object.create(Object.getPrototypeOf(node)) as Record<string, unknown>;
  for (const [name, value] of Object.entries(node)) copy[name] = templateOf(value, aliasOf);
  return copy;
}

/** A fresh parse result from a template, holding this request's values. */
function fill(node: Template, values: Record<string, unknown>): unknown {
  if (Array.isArray(node)) return node.map((item) => fill(item, values));
  if (node === null || typeof node !== 'object') return node;
  const alias = (node as { [VALUE]?: string })[VALUE];
  if (alias !== undefined) return values[alias];
  const copy = Object.create(Object.getPrototypeOf(node)) as Record<string, unknown>;
  for (const [name, value] of Object.entries(node)) copy[name] = fill(value, values);
  return copy;
}

const PARSERS = ['updateParser', 'conditionParser', 'projectionParser'] as const;
type ParserKind = (typeof PARSERS)[number];

/**
 * Kept on dynalite's parser modules themselves, which Node shares across every copy of this
 * module a process loads: so the parsers are wrapped once, by one cache.
 */
const INSTALLED = Symbol.for('serverless-media-kit.dynalite-expression-cache');
type InstalledParser = Parser & { [INSTALLED]?: { readonly cache: ExpressionCache; readonly original: Parser['parse'] } };

const parserModule = (kind: ParserKind) => require(`dynalite/db/${kind}`) as InstalledParser;

/**
 * The process's cache, in front of dynalite's update, condition and projection parsers (which
 * its validations call through their module objects), put there by the first call.
 */
export function dynaliteExpressionCache(): ExpressionCache {
  const installed = parserModule(PARSERS[0])[INSTALLED];
  if (installed) return installed.cache;
  const cache = new ExpressionCache();
  for (const kind of PARSERS) {
    const parser = parserModule(kind);
    const original = parser.parse.bind(parser);
    parser.parse = cache.wrap(kind, { parse: original });
    parser[INSTALLED] = { cache, original };
  }
  return cache;
}

/** dynalite's parser for `kind` without the cache (to check the cache against). */
export function uncachedParser(kind: ParserKind): Parser {
  dynaliteExpressionCache();
  return { parse: parserModule(kind)[INSTALLED]!.original };
}
