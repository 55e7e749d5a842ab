/**
 * CloudWatch Logs' JSON filter-pattern syntax, the part the kit's metric filters use, as a test
 * oracle: `{ <expr> }` with `&&`, `||`, parentheses, `$.a.b` selectors, `=`/`!=` against a quoted
 * string (`*` a wildcard) and `=`, `!=`, `<`, `<=`, `>`, `>=` against a number. A selector that
 * finds no value of the compared type does not match, as in CloudWatch. Anything else is refused,
 * so a pattern the oracle cannot read fails its test instead of passing by accident.
 */
export function matchesFilterPattern(pattern: string, event: unknown): boolean {
  const body = /^\{(.*)\}$/s.exec(pattern.trim());
  if (!body) throw new Error(`Not a JSON filter pattern: ${pattern}`);
  const tokens = tokenize(body[1]!);
  let at = 0;
  const peek = () => tokens[at];
  const take = (expected?: string) => {
    const token = tokens[at++];
    if (token === undefined || (expected !== undefined && token !== expected)) throw new Error(`Pattern ${pattern}: expected ${expected ?? 'more'} at token ${at}, got ${token}`);
    return token;
  };
  // && binds tighter than ||, like CloudWatch; the kit's patterns are fully parenthesized anyway.
  const or = (): boolean => {
    let value = and();
    while (peek() === '||') {
      take();
      const right = and();
      value = value || right;
    }
    return value;
  };
  const and = (): boolean => {
    let value = term();
    while (peek() === '&&') {
      take();
      const right = term();
      value = value && right;
    }
    return value;
  };
  const term = (): boolean => {
    if (peek() === '(') {
      take('(');
      const value = or();
      take(')');
      return value;
    }
    const selector = take();
    if (!/^\$(\.[A-Za-z_][A-Za-z0-9_-]*)+$/.test(selector)) throw new Error(`Pattern ${pattern}: unsupported selector ${selector}`);
    const operator = take();
    const operand = take();
    const actual = selector
      .split('.')
      .slice(1)
      .reduce<unknown>((value, field) => (value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[field] : undefined), event);
    if (operand.startsWith('"')) {
      if (operator !== '=' && operator !== '!=') throw new Error(`Pattern ${pattern}: ${operator} against a string`);
      if (typeof actual !== 'string') return false;
      const expected = JSON.parse(operand) as string;
      const wildcard = new RegExp(`^${expected.split('*').map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`, 's');
      return wildcard.test(actual) === (operator === '=');
    }
    const number = Number(operand);
    if (!Number.isFinite(number)) throw new Error(`Pattern ${pattern}: unsupported operand ${operand}`);
    if (typeof actual !== 'number') return false;
    switch (operator) {
      case '=':
        return actual === number;
      case '!=':
        return actual !== number;
      case '<':
        return actual < number;
      case '<=':
        return actual <= number;
      case '>':
        return actual > number;
      case '>=':
        return actual >= number;
      default:
        throw new Error(`Pattern ${pattern}: unsupported operator ${operator}`);
    }
  };
  const value = or();
  if (at !== tokens.length) throw new Error(`Pattern ${pattern}: unexpected ${tokens[at]}`);
  return value;
}

function tokenize(text: string): string[] {
  const tokens: string[] = [];
  const token = /\s*("(?:[^"\\]|\\.)*"|&&|\|\||<=|>=|!=|[()=<>]|[^\s()=<>!&|"]+)/y;
  let position = 0;
  while (text.slice(position).trim() !== '') {
    token.lastIndex = position;
    const match = token.exec(text);
    if (!match) throw new Error(`Cannot read filter pattern text at ${position}: ${text}`);
    tokens.push(match[1]!);
    position = token.lastIndex;
  }
  return tokens;
}
