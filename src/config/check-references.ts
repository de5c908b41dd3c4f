// Checks that need more than one value at a time: names that must be unique, references that
// must resolve, weights that must add up. They run after reading, on what was read, and skip
// anything a reading error already made uncertain so one mistake is not reported twice.

import type { Problem } from '../model/errors';
import type { MeshConfig, Route, ServicePolicy } from '../model/mesh';
import { formatDuration } from '../util/durations';
import { childPath, isWithin, type MeshSource } from './source';
import { closestMatch } from '../util/suggest';

export function checkReferences(src: MeshSource, config: MeshConfig): void {
  // Taken before any check runs, so a check's own findings never count as "uncertain input".
  const readErrors = new ReadErrors(src.problems);
  checkUniqueServiceNames(src, config.services);
  checkAllowLists(
    src,
    config.services,
    (config.gateways ?? []).map((g) => g.name),
  );
  for (const service of config.services) {
    const path = src.pathOf(service);
    if (path === undefined) continue;
    checkRoutes(src, readErrors, service);
    checkUnreachableSubsets(src, readErrors, service, path);
    checkUniqueEndpoints(src, service, path);
  }
}

/** The paths where reading failed, i.e. where what was read may not be what was written. */
class ReadErrors {
  private readonly paths: readonly string[];

  constructor(problems: readonly Problem[]) {
    this.paths = problems.filter((p) => p.severity === 'error').map((p) => p.path);
  }

  within(path: string): boolean {
    return this.paths.some((p) => isWithin(p, path));
  }

  some(predicate: (path: string) => boolean): boolean {
    return this.paths.some(predicate);
  }
}

function checkUniqueServiceNames(src: MeshSource, services: readonly ServicePolicy[]): void {
  const firstPath = new Map<string, string>();
  for (const service of services) {
    const path = src.pathOf(service);
    if (service.name === '' || path === undefined) continue;
    const earlier = firstPath.get(service.name);
    if (earlier === undefined) {
      firstPath.set(service.name, path);
      continue;
    }
    const namePath = childPath(path, 'name');
    src.error(namePath, src.whereIs(namePath), `service ${service.name} is already defined${atLine(src, childPath(earlier, 'name'))}`);
  }
}

function checkAllowLists(src: MeshSource, services: readonly ServicePolicy[], gateways: readonly string[]): void {
  // A gateway's identity is spiffe://<trustDomain>/svc/<name>, so allow lists may name gateways too.
  const known = [...services.map((s) => s.name), ...gateways].filter((name) => name !== '');
  for (const service of services) {
    if (!service.allow) continue;
    const paths = src.itemPathsOf(service.allow);
    service.allow.forEach((caller, index) => {
      if (known.includes(caller)) return;
      const path = paths?.[index] ?? '';
      const guess = closestMatch(caller, known);
      const hint = guess ? `; did you mean ${guess}?` : '';
      src.error(path, src.whereIs(path), `allow names ${JSON.stringify(caller)}, which is not a service in this mesh${hint}`);
    });
  }
}

function checkRoutes(src: MeshSource, readErrors: ReadErrors, service: ServicePolicy): void {
  const subsetNames = Object.keys(service.subsets);
  let catchAllPath: string | undefined;
  for (const route of service.routes) {
    const routePath = src.pathOf(route);
    if (routePath === undefined) continue;
    if (catchAllPath !== undefined) {
      src.warning(routePath, src.whereIs(routePath), `this route never matches: the route${atLine(src, catchAllPath)} matches every request first`);
    } else if (matchesEverything(route) && !readErrors.within(childPath(routePath, 'match'))) {
      catchAllPath = routePath;
    }
    checkDestinations(src, readErrors, service, route, routePath, subsetNames);
    checkRetryTimeouts(src, route, routePath);
  }
}

function matchesEverything(route: Route): boolean {
  const { path, pathPrefix, headers } = route.match;
  return path === undefined && (pathPrefix === undefined || pathPrefix === '/') && Object.keys(headers ?? {}).length === 0;
}

function checkDestinations(
  src: MeshSource,
  readErrors: ReadErrors,
  service: ServicePolicy,
  route: Route,
  routePath: string,
  subsetNames: readonly string[],
): void {
  const destinationsPath = childPath(routePath, 'destinations');
  const named = new Map<string, string>();
  for (const destination of route.destinations) {
    const subsetPath = childPath(src.pathOf(destination) ?? destinationsPath, 'subset');
    const target = destination.subset ?? '';
    const where = destination.subset === undefined ? 'all instances' : `subset ${destination.subset}`;
    const earlier = named.get(target);
    if (earlier !== undefined) {
      src.error(subsetPath, src.whereIs(subsetPath), `${where} is already a destination of this route${atLine(src, earlier)}; merge their weights`);
    }
    named.set(target, subsetPath);
    if (destination.subset === undefined || subsetNames.includes(destination.subset)) continue;
    const guess = closestMatch(destination.subset, subsetNames);
    const defined = subsetNames.length === 0 ? `${service.name} defines no subsets` : `${service.name} defines ${subsetNames.join(', ')}`;
    const hint = guess ? `; did you mean ${guess}?` : '';
    src.error(subsetPath, src.whereIs(subsetPath), `no subset named ${destination.subset}: ${defined}${hint}`);
  }
  // A weight that failed to read would make any sum wrong; its own error already says why.
  if (readErrors.within(destinationsPath)) return;
  const total = route.destinations.reduce((sum, d) => sum + d.weight, 0);
  if (total !== 100) {
    const weights = route.destinations.map((d) => d.weight).join(' + ');
    src.error(destinationsPath, src.whereIs(destinationsPath), `destination weights must sum to 100, but ${weights} = ${total}`);
  }
}

function checkRetryTimeouts(src: MeshSource, route: Route, routePath: string): void {
  const perTry = route.retries?.perTryTimeoutMs;
  const timeout = route.timeoutMs;
  // A timeout of 0 disables the route timeout, so any per-try timeout fits inside it.
  if (perTry === undefined || timeout === undefined || timeout === 0 || perTry < timeout) return;
  const path = childPath(childPath(routePath, 'retries'), 'perTryTimeout');
  src.warning(
    path,
    src.whereIs(path),
    `perTryTimeout ${formatDuration(perTry)} is not shorter than the route timeout ${formatDuration(timeout)}, so no retry can start before the route gives up`,
  );
}

/**
 * With no routes all traffic goes to all instances and subsets are merely unused labels of
 * intent, so they are fine; once routes exist, a subset none of them names is dead config.
 * A destination of weight 0 still counts: it is how a canary waits before its ramp.
 */
function checkUnreachableSubsets(src: MeshSource, readErrors: ReadErrors, service: ServicePolicy, servicePath: string): void {
  const routesPath = childPath(servicePath, 'routes');
  if (service.routes.length === 0 || routeTargetsUncertain(readErrors, routesPath)) return;
  const reached = new Set(service.routes.flatMap((r) => r.destinations.map((d) => d.subset)));
  for (const subset of Object.keys(service.subsets)) {
    if (reached.has(subset)) continue;
    const path = childPath(childPath(servicePath, 'subsets'), subset);
    src.error(
      path,
      src.whereKeyIs(path),
      `subset ${subset} is unreachable: no route of ${service.name} sends traffic to it; name it in a route's destinations or remove it`,
    );
  }
}

/** True when a reading error hid which subsets the routes name. */
function routeTargetsUncertain(readErrors: ReadErrors, routesPath: string): boolean {
  return readErrors.some((path) => {
    if (!isWithin(path, routesPath)) return false;
    const rest = path.slice(routesPath.length);
    return /^(\[\d+\](\.destinations(\[\d+\](\.subset|\.weight)?)?)?)?$/.test(rest);
  });
}

function checkUniqueEndpoints(src: MeshSource, service: ServicePolicy, servicePath: string): void {
  const firstPath = new Map<string, string>();
  for (const endpoint of service.endpoints) {
    const path = src.pathOf(endpoint) ?? childPath(servicePath, 'endpoints');
    const key = `${endpoint.address.includes(':') ? `[${endpoint.address}]` : endpoint.address}:${endpoint.port}`;
    const earlier = firstPath.get(key);
    if (earlier === undefined) {
      firstPath.set(key, path);
      continue;
    }
    src.error(path, src.whereIs(path), `endpoint ${key} is already listed${atLine(src, earlier)}`);
  }
}

function atLine(src: MeshSource, path: string): string {
  const line = src.whereIs(path).line;
  return line === undefined ? '' : ` at line ${line}`;
}
