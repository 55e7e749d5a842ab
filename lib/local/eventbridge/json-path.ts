/**
 * The JSONPath subset EventBridge's InputPath and InputPathsMap take: `$`, `.name`, `['name']`
 * and `[index]`, e.g. `$.detail.object.key` or `$.resources[0]`. Filters, wildcards and recursive
 * descent are refused at parse time, so a rule using them fails start instead of sending nulls.
 */
export type JsonPath = readonly (string | number)[];

export function parseJsonPath(text: string): JsonPath | undefined {
  if (!text.startsWith('$')) return undefined;
  const steps: (string | number)[] = [];
  let i = 1;
  while (i < text.length) {
    const char = text[i];
    if (char === '.') {
      const match = /^[^.[\]*?@()'"\s]+/.exec(text.slice(i + 1));
      if (!match) return undefined;
      steps.push(match[0]);
      i += 1 + match[0].length;
    } else if (char === '[') {
      const index = /^\[(\d+)\]/.exec(text.slice(i));
      const quoted = /^\[(?:'([^']*)'|"([^"]*)")\]/.exec(text.slice(i));
      if (index) {
        steps.push(Number(index[1]));
        i += index[0].length;
      } else if (quoted) {
        steps.push(quoted[1] ?? quoted[2]!);
        i += quoted[0].length;
      } else {
        return undefined;
      }
    } else {
      return undefined;
    }
  }
  return steps;
}

/** The value at a path, or undefined when the event has nothing there. */
export function valueAt(value: unknown, path: JsonPath): unknown {
  let current = value;
  for (const step of path) {
    if (typeof step === 'number') {
      if (!Array.isArray(current)) return undefined;
      current = current[step];
    } else {
      if (current === null || typeof current !== 'object' || Array.isArray(current) || !Object.hasOwn(current, step)) return undefined;
      current = (current as Record<string, unknown>)[step];
    }
  }
  return current;
}
