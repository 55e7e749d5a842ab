/** One HTTP API route key (`GET /items/{id}`, `ANY /files/{proxy+}`, `$default`), parsed. */
export interface RouteKey {
  readonly key: string;
  readonly method: string;
  readonly segments: readonly string[];
  readonly isDefault: boolean;
}

export function parseRouteKey(key: string): RouteKey {
  if (key === '$default') return { key, method: 'ANY', segments: [], isDefault: true };
  const space = key.indexOf(' ');
  const method = key.slice(0, space).toUpperCase();
  const path = key.slice(space + 1);
  return { key, method, segments: path.split('/').filter(Boolean), isDefault: false };
}

export interface RouteMatch<T> {
  readonly route: T;
  readonly pathParameters: Record<string, string>;
}

/**
 * The route API Gateway would pick: an exact method beats ANY, literal segments beat parameters,
 * a greedy `{name+}` matches what is left, and `$default` takes whatever nothing else did.
 */
export function matchRoute<T extends { readonly routeKey: RouteKey }>(routes: readonly T[], method: string, path: string): RouteMatch<T> | undefined {
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  let best: { match: RouteMatch<T>; score: number[] } | undefined;
  for (const route of routes) {
    const { routeKey } = route;
    if (routeKey.isDefault) continue;
    if (routeKey.method !== 'ANY' && routeKey.method !== method.toUpperCase()) continue;
    const params: Record<string, string> = {};
    const score: number[] = [];
    let ok = true;
    let greedy = false;
    for (const [i, segment] of routeKey.segments.entries()) {
      const greedyName = /^\{(.+)\+\}$/.exec(segment)?.[1];
      if (i >= parts.length) {
        ok = false;
      } else if (greedyName) {
        params[greedyName] = parts.slice(i).join('/');
        score.push(0);
        greedy = true;
      } else if (/^\{.+\}$/.test(segment)) {
        params[segment.slice(1, -1)] = parts[i]!;
        score.push(1);
      } else if (parts[i] === segment) {
        score.push(2);
      } else {
        ok = false;
      }
      if (!ok || greedy) break;
    }
    if (!ok || (!greedy && routeKey.segments.length !== parts.length)) continue;
    score.push(routeKey.method === 'ANY' ? 0 : 1);
    if (!best || compare(score, best.score) > 0) best = { match: { route, pathParameters: params }, score };
  }
  if (best) return best.match;
  const fallback = routes.find((r) => r.routeKey.isDefault);
  return fallback ? { route: fallback, pathParameters: {} } : undefined;
}

function compare(a: number[], b: number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? -1) - (b[i] ?? -1);
    if (d !== 0) return d;
  }
  return 0;
}
