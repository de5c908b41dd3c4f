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
    checkUnreachableSubsets(src, readErrors, service, path, mirroredSubsets(config, service.name));
    checkUniqueEndpoints(src, service, path);
    checkRetryBudgets(src, service);
    checkMirrors(src, config, service);
  }
}

/**
 * A mirror target must exist, speak HTTP, and be callable by every caller of the mirrored
 * service: the copies are sent by the caller's proxy, which holds only clusters it may call
 * (and routes are shared by every caller, so none may lack the cluster).
 */
function checkMirrors(src: MeshSource, config: MeshConfig, service: ServicePolicy): void {
  const byName = new Map(config.services.map((s) => [s.name, s]));
  for (const route of service.routes) {
    const routePath = src.pathOf(route);
    const mirror = route.mirror;
    if (!mirror || routePath === undefined) continue;
    const mirrorPath = childPath(routePath, 'mirror');
    const servicePath = childPath(mirrorPath, 'service');
    const target = byName.get(mirror.service);
    if (!target) {
      const guess = closestMatch(mirror.service, [...byName.keys()]);
      src.error(servicePath, src.whereIs(servicePath), `no service named ${mirror.service}${guess ? `; did you mean ${guess}?` : ''}`);
      continue;
    }
    if (target.protocol === 'tcp') src.error(servicePath, src.whereIs(servicePath), `${target.name} is tcp; only HTTP and gRPC requests can be mirrored`);
    if (mirror.subset !== undefined && !(mirror.subset in target.subsets)) {
      const subsetPath = childPath(mirrorPath, 'subset');
      src.error(
        subsetPath,
        src.whereIs(subsetPath),
        `no subset named ${mirror.subset}: ${target.name} defines ${Object.keys(target.subsets).join(', ') || 'none'}`,
      );
    }
    const callers = ['', ...config.services.map((s) => s.name)].filter((c) => mayCall(config, c, service));
    // A sidecar never holds its own service's clusters, so the target calling this service cannot mirror either.
    const lacking = callers.filter((c) => !mayCall(config, c, target) || c === target.name);
    if (lacking.length > 0) {
      const who = lacking.map((c) => (c === '' ? 'callers outside the mesh' : c)).join(', ');
      src.error(
        servicePath,
        src.whereIs(servicePath),
        `${who} may call ${service.name} but not ${target.name}, so their proxies could not send the copies; allow them on ${target.name}`,
      );
    }
  }
}

/** A retry budget limits a cluster, not a route: every route of a service that sets one must agree. */
function checkRetryBudgets(src: MeshSource, service: ServicePolicy): void {
  let first: { percent: number; minConcurrency?: number; path: string } | undefined;
  for (const route of service.routes) {
    const budget = route.retries?.budget;
    const path = budget && src.pathOf(budget);
    if (!budget || path === undefined) continue;
    if (!first) {
      first = { ...budget, path };
      continue;
    }
    if (budget.percent !== first.percent || budget.minConcurrency !== first.minConcurrency) {
      src.error(path, src.whereIs(path), `a retry budget applies to the whole service (its clusters), so it must match the one${atLine(src, first.path)}`);
    }
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
 * intent, so they are fine; once routes exist, a subset none of them names (as a destination or
 * a mirror target) is dead config.
 * A destination of weight 0 still counts: it is how a canary waits before its ramp.
 */
function checkUnreachableSubsets(src: MeshSource, readErrors: ReadErrors, service: ServicePolicy, servicePath: string, mirrored: ReadonlySet<string>): void {
  const routesPath = childPath(servicePath, 'routes');
  if (service.routes.length === 0 || routeTargetsUncertain(readErrors, routesPath)) return;
  const reached = new Set<string | undefined>([...service.routes.flatMap((r) => r.destinations.map((d) => d.subset)), ...mirrored]);
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

/** Subsets of `service` that some route mirrors to: shadow traffic reaches them too. */
function mirroredSubsets(config: MeshConfig, service: string): Set<string> {
  const out = new Set<string>();
  for (const s of config.services) {
    for (const r of s.routes) if (r.mirror?.service === service && r.mirror.subset !== undefined) out.add(r.mirror.subset);
  }
  return out;
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

/** Who may call whom, as translation decides it (translate/reachability.ts, which config must not import). */
function mayCall(config: MeshConfig, caller: string, target: ServicePolicy): boolean {
  if (target.allow !== undefined) return caller !== '' && target.allow.includes(caller);
  return config.mesh.defaultPolicy === 'allow';
}
