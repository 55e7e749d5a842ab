/**
 * Canonical JSON: object keys sorted by UTF-16 code unit, no whitespace, integers only. The same
 * value gives the same bytes on every engine — JSON.stringify of strings and safe integers is
 * fully specified by ECMAScript, and key order is made explicit instead of left to insertion
 * order. Used for the input hash, the ruleset hash and the settlement document.
 */
export function canonicalJson(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      // Float formatting is specified too, but a float here means arithmetic that should not exist.
      if (!Number.isSafeInteger(value)) throw new TypeError(`canonicalJson: ${value} is not a safe integer`);
      return String(value);
    case 'object': {
      if (value === null) return 'null';
      if (Array.isArray(value)) {
        let out = '[';
        for (let i = 0; i < value.length; i++) out += (i ? ',' : '') + canonicalJson(value[i]);
        return `${out}]`;
      }
      const record = value as Record<string, unknown>;
      const keys = Object.keys(record);
      // Objects built by this package already have their keys in order: sort only when needed.
      for (let i = 1; i < keys.length; i++) {
        if (keys[i - 1]! > keys[i]!) {
          keys.sort();
          break;
        }
      }
      let out = '{';
      let first = true;
      for (const key of keys) {
        const item = record[key];
        if (item === undefined) continue;
        out += `${first ? '' : ','}${quotedKey(key)}:${canonicalJson(item)}`;
        first = false;
      }
      return `${out}}`;
    }
    default:
      throw new TypeError(`canonicalJson: cannot serialize a ${typeof value}`);
  }
}

/** Documents repeat the same few keys thousands of times: quote each once. */
const quotedKeys = new Map<string, string>();

function quotedKey(key: string): string {
  let quoted = quotedKeys.get(key);
  if (quoted === undefined) {
    quoted = JSON.stringify(key);
    // Item ids and player ids are keys too: keep the cache bounded.
    if (quotedKeys.size < 1024) quotedKeys.set(key, quoted);
  }
  return quoted;
}
