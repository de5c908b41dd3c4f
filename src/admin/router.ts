// Maps a method and path to a route. Patterns are literal segments and `{name}` parameters;
// when two patterns match, the one with more literal segments wins, so `/v1/ca/bundle` beats
// `/v1/{anything}/bundle` whatever order the route files were composed in.

import type { HttpMethod, RouteDefinition } from './route';

type Segment = { readonly literal: string } | { readonly param: string };

interface CompiledRoute {
  readonly definition: RouteDefinition;
  readonly segments: readonly Segment[];
  readonly literals: number;
}

export type RouteMatch =
  | { readonly kind: 'matched'; readonly route: RouteDefinition; readonly params: Readonly<Record<string, string>> }
  /** The path exists for other methods; `allowed` is for the 405's Allow header. */
  | { readonly kind: 'method_not_allowed'; readonly allowed: readonly HttpMethod[] }
  | { readonly kind: 'not_found' }
  /** A path segment could not be percent-decoded. */
  | { readonly kind: 'bad_path'; readonly param: string; readonly message: string };

function splitPath(path: string): string[] {
  const trimmed = path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
  return trimmed.split('/').slice(1);
}

function compile(definition: RouteDefinition): CompiledRoute {
  if (!definition.path.startsWith('/')) throw new Error(`route path "${definition.path}" must start with "/"`);
  const segments = splitPath(definition.path).map((segment): Segment => {
    const param = /^\{([A-Za-z_][A-Za-z0-9_]*)\}$/.exec(segment);
    return param ? { param: param[1]! } : { literal: segment };
  });
  return { definition, segments, literals: segments.filter((s) => 'literal' in s).length };
}

function shapeOf(route: CompiledRoute): string {
  return route.segments.map((s) => ('literal' in s ? s.literal : '{}')).join('/');
}

export class Router {
  private readonly routes: readonly CompiledRoute[];

  constructor(definitions: readonly RouteDefinition[]) {
    const seen = new Set<string>();
    this.routes = definitions.map(compile);
    // Composition mistakes (two files claiming one route) should fail at startup, not at request time.
    for (const route of this.routes) {
      const key = `${route.definition.method} ${shapeOf(route)}`;
      if (seen.has(key)) throw new Error(`two admin routes for ${route.definition.method} ${route.definition.path}`);
      seen.add(key);
    }
  }

  match(method: HttpMethod, path: string): RouteMatch {
    const parts = splitPath(path);
    let best: { route: CompiledRoute; params: Record<string, string> } | undefined;
    const allowed = new Set<HttpMethod>();
    for (const route of this.routes) {
      const result = this.matchSegments(route, parts);
      if (result === undefined) continue;
      if (!result.ok) return result.error;
      allowed.add(route.definition.method);
      if (route.definition.method !== method) continue;
      if (best === undefined || route.literals > best.route.literals) best = { route, params: result.params };
    }
    if (best) return { kind: 'matched', route: best.route.definition, params: best.params };
    if (allowed.size > 0) return { kind: 'method_not_allowed', allowed: [...allowed].sort() };
    return { kind: 'not_found' };
  }

  /** Methods that have a route for this path, for a 405's Allow header. */
  allowedMethods(path: string): HttpMethod[] {
    const parts = splitPath(path);
    const methods = this.routes.filter((route) => this.matchSegments(route, parts) !== undefined).map((route) => route.definition.method);
    return [...new Set(methods)].sort();
  }

  private matchSegments(
    route: CompiledRoute,
    parts: readonly string[],
  ): { ok: true; params: Record<string, string> } | { ok: false; error: RouteMatch } | undefined {
    if (route.segments.length !== parts.length) return undefined;
    const shapeMatches = route.segments.every((segment, i) => ('literal' in segment ? segment.literal === parts[i] : parts[i] !== ''));
    if (!shapeMatches) return undefined;
    const params: Record<string, string> = {};
    for (let i = 0; i < parts.length; i++) {
      const segment = route.segments[i]!;
      if ('literal' in segment) continue;
      try {
        params[segment.param] = decodeURIComponent(parts[i]!);
      } catch {
        const message = `path segment "${parts[i]}" is not valid percent-encoding`;
        return { ok: false, error: { kind: 'bad_path', param: segment.param, message } };
      }
    }
    return { ok: true, params };
  }
}
