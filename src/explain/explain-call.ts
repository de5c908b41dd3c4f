// `switchyard explain --from A --to B`: walks the resources A's proxy was actually sent —
// listener, route configuration, virtual host, routes in order, clusters, endpoints — then B's
// inbound RBAC, and says what happens to the call and which mesh-file lines made it so.
// Pure: the caller supplies what the proxies hold (live streams, or a translation in tests).
import { spiffeId } from '../model/identity';
import type { MeshConfig, ServicePolicy } from '../model';
import type { MeshLocations } from '../config/parse';
import { TypeUrl } from '../proto/type-urls';
import { mayCall } from '../translate/reachability';
import { destinationClusterName } from '../translate/names';
import { durationMs, list, num, obj, str, type HeldResources, type Readable } from './held-resources';
import { MeshPlaces, type MeshPlace } from './mesh-places';

export interface ExplainRequest {
  readonly from: string;
  readonly to: string;
  readonly method?: string;
  readonly path?: string;
  /** Request headers; names are compared case-insensitively. */
  readonly headers?: Readonly<Record<string, string>>;
}

export interface ProxyHoldings {
  readonly nodeId: string;
  readonly resources: HeldResources;
}

export type StepResult = 'matched' | 'skipped' | 'refused' | 'allowed' | 'info';

export interface ExplainStep {
  /** listener, route-configuration, virtual-host, route, cluster, endpoints, rbac, policy. */
  readonly step: string;
  readonly resource?: { readonly type: string; readonly name: string };
  readonly result: StepResult;
  readonly detail: string;
  /** The mesh-file settings behind this step. */
  readonly mesh: readonly MeshPlace[];
}

export interface ExplainEndpoint {
  readonly address: string;
  readonly port: number;
  readonly health: string;
  readonly weight: number;
}

export interface ExplainTarget {
  readonly cluster: string;
  readonly subset?: string;
  readonly weight: number;
  /** weight / total of the route's weights. */
  readonly probability: number;
  readonly endpoints: readonly ExplainEndpoint[];
  readonly healthyEndpoints: number;
  /** The cluster's and route's policy in words: load balancer, timeouts, retries, breakers. */
  readonly policy: readonly string[];
  readonly mesh: readonly MeshPlace[];
}

export interface Explanation {
  readonly request: ExplainRequest & { readonly method: string; readonly path: string };
  readonly source: { readonly node: string; readonly service: string; readonly kind: 'envoy' | 'grpc' };
  /** `unexplained`: a kind of source this walk does not cover yet (an ingress gateway). */
  readonly decision: 'routed' | 'refused' | 'unexplained';
  /** The step that refused the call (listener, virtual-host, route, cluster, rbac). */
  readonly refusedAt?: string;
  /** One sentence: where the call goes, or why it does not. */
  readonly summary: string;
  readonly targets: readonly ExplainTarget[];
  readonly steps: readonly ExplainStep[];
}

export interface ExplainInput {
  readonly config: MeshConfig;
  readonly locations?: MeshLocations;
  readonly source: ProxyHoldings;
  /** Connected proxies of the destination service, whose inbound RBAC is the last check. */
  readonly destinations: readonly ProxyHoldings[];
}

function byName(held: HeldResources, typeUrl: string): Map<string, Readable> {
  return new Map((held.get(typeUrl) ?? []).map((r) => [r.name, r.resource]));
}

function typeOf(value: Readable | undefined): string | undefined {
  return str(value?.['@type'])?.replace(/^.*\//, '');
}

/** The HTTP connection manager of a listener: an API listener's, or the first chain's HCM filter. */
function connectionManager(listener: Readable): Readable | undefined {
  const api = obj(obj(listener.api_listener)?.api_listener);
  if (api) return api;
  for (const chain of list(listener.filter_chains)) {
    for (const f of list(chain.filters)) {
      const cfg = obj(f.typed_config);
      if (typeOf(cfg)?.endsWith('HttpConnectionManager')) return cfg;
    }
  }
  return undefined;
}

function tcpProxy(listener: Readable): Readable | undefined {
  for (const chain of list(listener.filter_chains)) {
    for (const f of list(chain.filters)) {
      const cfg = obj(f.typed_config);
      if (typeOf(cfg)?.endsWith('TcpProxy')) return cfg;
    }
  }
  return undefined;
}

interface Verdict {
  readonly ok: boolean;
  readonly why: string;
}

function stringMatch(m: Readable, value: string | undefined, ignoreCase = false): Verdict {
  if (value === undefined) return { ok: false, why: 'absent' };
  const fold = (s: string) => (ignoreCase || m.ignore_case === true ? s.toLowerCase() : s);
  const v = fold(value);
  if (str(m.exact) !== undefined) return { ok: v === fold(str(m.exact)!), why: `"${value}" ${v === fold(str(m.exact)!) ? '=' : '≠'} "${str(m.exact)}"` };
  if (str(m.prefix) !== undefined)
    return {
      ok: v.startsWith(fold(str(m.prefix)!)),
      why: `"${value}" ${v.startsWith(fold(str(m.prefix)!)) ? 'starts' : 'does not start'} with "${str(m.prefix)}"`,
    };
  if (str(m.suffix) !== undefined)
    return { ok: v.endsWith(fold(str(m.suffix)!)), why: `"${value}" ${v.endsWith(fold(str(m.suffix)!)) ? 'ends' : 'does not end'} with "${str(m.suffix)}"` };
  if (str(m.contains) !== undefined)
    return {
      ok: v.includes(fold(str(m.contains)!)),
      why: `"${value}" ${v.includes(fold(str(m.contains)!)) ? 'contains' : 'does not contain'} "${str(m.contains)}"`,
    };
  const regex = str(obj(m.safe_regex)?.regex);
  if (regex !== undefined) {
    const ok = new RegExp(`^(?:${regex})$`).test(value);
    return { ok, why: `"${value}" ${ok ? 'matches' : 'does not match'} /${regex}/` };
  }
  return { ok: true, why: 'any value' };
}

/** Envoy's route match: path (prefix, exact, regex), then every header matcher. */
function routeMatches(match: Readable, path: string, headers: ReadonlyMap<string, string>): Verdict {
  const reasons: string[] = [];
  const caseSensitive = match.case_sensitive === undefined || obj(match.case_sensitive)?.value !== false;
  const p = caseSensitive ? path : path.toLowerCase();
  const fold = (s: string) => (caseSensitive ? s : s.toLowerCase());
  if (str(match.prefix) !== undefined) {
    const ok = p.startsWith(fold(str(match.prefix)!));
    reasons.push(`path ${path} ${ok ? 'has' : 'lacks'} prefix ${str(match.prefix)}`);
    if (!ok) return { ok, why: reasons.join('; ') };
  } else if (str(match.path) !== undefined) {
    const ok = p === fold(str(match.path)!);
    reasons.push(`path ${path} ${ok ? 'is' : 'is not'} ${str(match.path)}`);
    if (!ok) return { ok, why: reasons.join('; ') };
  } else if (obj(match.safe_regex)) {
    const regex = str(obj(match.safe_regex)!.regex) ?? '';
    const ok = new RegExp(`^(?:${regex})$`).test(path);
    reasons.push(`path ${path} ${ok ? 'matches' : 'does not match'} /${regex}/`);
    if (!ok) return { ok, why: reasons.join('; ') };
  }
  for (const h of list(match.headers)) {
    const name = (str(h.name) ?? '').toLowerCase();
    const value = headers.get(name);
    let verdict: Verdict;
    if (h.present_match !== undefined) verdict = { ok: (value !== undefined) === (h.present_match === true), why: value === undefined ? 'absent' : 'present' };
    else if (obj(h.string_match)) verdict = stringMatch(obj(h.string_match)!, value);
    else if (str(h.exact_match) !== undefined) verdict = stringMatch({ exact: h.exact_match }, value);
    else verdict = { ok: value !== undefined, why: value === undefined ? 'absent' : 'present' };
    const ok = h.invert_match === true ? !verdict.ok : verdict.ok;
    reasons.push(`header ${name}: ${verdict.why}${h.invert_match === true ? ' (inverted)' : ''}`);
    if (!ok) return { ok: false, why: reasons.join('; ') };
  }
  return { ok: true, why: reasons.join('; ') || 'matches every request' };
}

function describeClusterPolicy(cluster: Readable): string[] {
  const out: string[] = [];
  const lb = str(cluster.lb_policy);
  if (lb) out.push(`load balancer ${lb.toLowerCase()}`);
  const lbPolicies = list(obj(cluster.load_balancing_policy)?.policies).map((p) => typeOf(obj(obj(p.typed_extension_config)?.typed_config)));
  if (lbPolicies.length > 0) out.push(`load balancing policy ${lbPolicies.filter(Boolean).join(' > ')}`);
  const connect = durationMs(cluster.connect_timeout);
  if (connect !== undefined) out.push(`connect timeout ${connect} ms`);
  const thresholds = list(obj(cluster.circuit_breakers)?.thresholds)[0];
  if (thresholds) {
    const parts = ['max_connections', 'max_pending_requests', 'max_requests', 'max_retries']
      .filter((k) => num(thresholds[k]) !== undefined)
      .map((k) => `${k} ${num(thresholds[k])}`);
    if (parts.length > 0) out.push(`circuit breaker ${parts.join(', ')}`);
  }
  const od = obj(cluster.outlier_detection);
  if (od) {
    const parts = Object.entries(od).map(
      ([k, v]) => `${k} ${durationMs(v) !== undefined && obj(v)?.seconds !== undefined ? `${durationMs(v)} ms` : (num(v) ?? JSON.stringify(v))}`,
    );
    out.push(`outlier detection ${parts.join(', ')}`);
  }
  return out;
}

function describeRoutePolicy(action: Readable): string[] {
  const out: string[] = [];
  const timeout = durationMs(action.timeout);
  if (timeout !== undefined) out.push(timeout === 0 ? 'no route timeout' : `route timeout ${timeout} ms`);
  const maxStream = durationMs(obj(action.max_stream_duration)?.max_stream_duration);
  if (maxStream !== undefined) out.push(`max stream duration ${maxStream} ms`);
  const retry = obj(action.retry_policy);
  if (retry) {
    const perTry = durationMs(retry.per_try_timeout);
    out.push(`retries ${num(retry.num_retries) ?? 1} on ${str(retry.retry_on) ?? '(default)'}${perTry !== undefined ? `, ${perTry} ms per try` : ''}`);
  }
  return out;
}

function endpointsOf(cla: Readable | undefined): ExplainEndpoint[] {
  if (!cla) return [];
  const out: ExplainEndpoint[] = [];
  for (const locality of list(cla.endpoints)) {
    for (const lb of list(locality.lb_endpoints)) {
      const sock = obj(obj(obj(lb.endpoint)?.address)?.socket_address);
      if (!sock) continue;
      out.push({
        address: str(sock.address) ?? '?',
        port: num(sock.port_value) ?? 0,
        health: str(lb.health_status) ?? 'UNKNOWN',
        weight: num(lb.load_balancing_weight) ?? 1,
      });
    }
  }
  return out;
}

const HEALTHY = new Set(['UNKNOWN', 'HEALTHY']);

/** The inbound RBAC rules a destination proxy holds: undefined when it has no RBAC filter at all. */
function inboundRbac(held: HeldResources): { rules: Readable; listener: string } | 'none' | undefined {
  let sawInbound = false;
  for (const r of held.get(TypeUrl.Listener) ?? []) {
    const inbound = r.name.startsWith('inbound|') || r.name.startsWith('grpc/server');
    if (!inbound) continue;
    sawInbound = true;
    for (const chain of list(r.resource.filter_chains)) {
      for (const f of list(chain.filters)) {
        const cfg = obj(f.typed_config);
        if (typeOf(cfg)?.endsWith('network.rbac.v3.RBAC')) return { rules: obj(cfg!.rules) ?? {}, listener: r.name };
        for (const hf of list(cfg?.http_filters)) {
          const hcfg = obj(hf.typed_config);
          if (typeOf(hcfg)?.endsWith('http.rbac.v3.RBAC')) return { rules: obj(hcfg!.rules) ?? {}, listener: r.name };
        }
      }
    }
  }
  return sawInbound ? 'none' : undefined;
}

/** Whether RBAC rules admit a caller presenting `principal` (its SPIFFE ID). */
function rbacAdmits(rules: Readable, principal: string): Verdict {
  const action = str(rules.action) ?? 'ALLOW';
  const policies = Object.entries(obj(rules.policies) ?? {});
  const matching = policies.filter(([, p]) =>
    list(obj(p)?.principals).some((pr) => pr.any === true || str(obj(obj(pr.authenticated)?.principal_name)?.exact) === principal),
  );
  const names = matching.map(([n]) => n);
  if (action === 'DENY')
    return { ok: matching.length === 0, why: matching.length ? `DENY policy ${names.join(', ')} names ${principal}` : `no DENY policy names ${principal}` };
  if (policies.length === 0) return { ok: false, why: 'ALLOW with no policies: every caller is refused' };
  return {
    ok: matching.length > 0,
    why: matching.length
      ? `ALLOW policy ${names.join(', ')} names ${principal}`
      : `no ALLOW policy names ${principal} (it names ${policies.flatMap(([, p]) => list(obj(p)?.principals).map((pr) => str(obj(obj(pr.authenticated)?.principal_name)?.exact) ?? 'any')).join(', ')})`,
  };
}

export function explainCall(input: ExplainInput, request: ExplainRequest): Explanation {
  const places = new MeshPlaces(input.config, input.locations);
  const method = (request.method ?? 'GET').toUpperCase();
  const path = request.path ?? '/';
  const headers = new Map(Object.entries(request.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
  headers.set(':method', method);
  headers.set(':path', path);
  const steps: ExplainStep[] = [];
  const listeners = byName(input.source.resources, TypeUrl.Listener);
  const kind: 'envoy' | 'grpc' =
    [...listeners.values()].some((l) => obj(l.api_listener)) ||
    (!listeners.has('outbound|15001') && ![...listeners.keys()].some((n) => n.startsWith('inbound|')))
      ? 'grpc'
      : 'envoy';
  const base = { request: { ...request, method, path }, source: { node: input.source.nodeId, service: request.from, kind } };
  const refuse = (refusedAt: string, summary: string): Explanation => ({ ...base, decision: 'refused', refusedAt, summary, targets: [], steps });
  // An ingress gateway routes by host and path on its own listeners; this walk follows sidecars'
  // and proxyless clients' outbound paths only, so it says so instead of guessing a refusal.
  if ([...listeners.keys()].some((n) => n.startsWith('gateway|'))) {
    return {
      ...base,
      decision: 'unexplained',
      refusedAt: 'source',
      summary: `${input.source.nodeId} is an ingress gateway; explain does not walk a gateway's listeners yet (ask from a sidecar or proxyless client)`,
      targets: [],
      steps,
    };
  }

  const target = places.service(request.to);
  if (!target) {
    steps.push({ step: 'service', result: 'refused', detail: `no service "${request.to}" in the mesh`, mesh: [] });
    return refuse('service', `${request.to} is not a service in the mesh`);
  }
  headers.set(':authority', request.to);

  // Why the source was (not) sent a way to reach the target: reachability from `allow` / defaultPolicy.
  const policy = places.callPolicy(target.name);
  const allowed = mayCall(input.config, request.from, target);
  // The destination's own inbound RBAC: from a connected proxy of it when there is one, else
  // from the mesh file. Judged even when the source was refused, since an app that dials the
  // destination directly meets this check.
  const rbacStep = (): Verdict => {
    const principal = spiffeId(input.config.mesh.trustDomain, request.from);
    let verdict: Verdict | undefined;
    let from = '';
    for (const dest of input.destinations) {
      const rbac = inboundRbac(dest.resources);
      if (rbac === undefined) continue;
      from = `${dest.nodeId}'s ${rbac === 'none' ? 'inbound listener' : rbac.listener}`;
      verdict = rbac === 'none' ? { ok: true, why: 'no RBAC filter: every caller is admitted' } : rbacAdmits(rbac.rules, principal);
      break;
    }
    if (!verdict) {
      from = `the mesh file (no connected proxy of ${target.name} holds an inbound listener)`;
      verdict = { ok: allowed, why: allowed ? `${target.name} admits ${request.from}` : `${target.name} does not admit ${request.from}` };
    }
    steps.push({ step: 'rbac', result: verdict.ok ? 'allowed' : 'refused', detail: `${verdict.why} (from ${from})`, mesh: policy ? [policy] : [] });
    return verdict;
  };
  const notSent = (what: string, name: string, type: string, why?: string): Explanation => {
    const self = kind === 'envoy' && request.from === target.name;
    const reason =
      why ??
      (self
        ? `a sidecar never routes to its own service (${target.name}): its app reaches its own instances directly, so nothing for ${target.name} is on its outbound side`
        : allowed
          ? `${request.from} may call ${target.name}, but its proxy holds no ${what} ${name} (not requested yet, or left out: see serve's translation warnings)`
          : `${target.name} does not admit ${request.from}, so ${request.from}'s proxy is never sent ${target.name}'s config`);
    steps.push({ step: what, resource: { type, name }, result: 'refused', detail: reason, mesh: policy ? [policy] : [] });
    if (!self) rbacStep();
    const how =
      kind === 'grpc'
        ? 'the call waits for name resolution until its deadline'
        : target.protocol === 'tcp'
          ? 'nothing listens on that port: connection refused'
          : 'the sidecar answers 404 (no route)';
    return refuse(what, `refused at the source: ${reason}; ${how}`);
  };

  let action: Readable | undefined;
  let meshRouteIndex: number | undefined;
  const targetsWeighted: Array<{ cluster: string; weight: number }> = [];
  if (target.protocol === 'tcp') {
    if (kind === 'grpc') {
      steps.push({
        step: 'listener',
        result: 'refused',
        detail: 'a proxyless gRPC client cannot call a tcp service',
        mesh: [places.serviceEntry(target.name)!],
      });
      return refuse('listener', `${target.name} is a tcp service; a gRPC channel cannot call it`);
    }
    const name = `outbound|${target.port}`;
    const listener = listeners.get(name);
    if (!listener || !tcpProxy(listener)) return notSent('listener', name, 'LDS');
    const tcp = tcpProxy(listener)!;
    // One listener per port: another tcp service on the same port may hold it (translation warns).
    const holder = str(tcp.stat_prefix)?.replace(/^outbound_/, '');
    if (holder !== undefined && holder !== target.name) {
      return notSent(
        'listener',
        name,
        'LDS',
        `port ${target.port} is taken on ${request.from}'s sidecar by ${holder}'s outbound listener, so ${target.name} got none (serve logs a translation warning)`,
      );
    }
    steps.push({
      step: 'listener',
      resource: { type: 'LDS', name },
      result: 'matched',
      detail: `tcp_proxy on port ${target.port}`,
      mesh: [places.serviceEntry(target.name)!, ...(policy ? [policy] : [])],
    });
    if (str(tcp.cluster)) targetsWeighted.push({ cluster: str(tcp.cluster)!, weight: 1 });
    for (const c of list(obj(tcp.weighted_clusters)?.clusters)) targetsWeighted.push({ cluster: str(c.name) ?? '', weight: num(c.weight) ?? 0 });
    if (target.routes.length > 0) meshRouteIndex = 0;
    const routePlace = meshRouteIndex !== undefined ? places.route(target.name, 0) : places.serviceEntry(target.name);
    steps.push({
      step: 'route',
      result: 'matched',
      detail: meshRouteIndex !== undefined ? 'a tcp service splits whole connections by its first route' : 'no routes: every connection to every instance',
      mesh: routePlace ? [routePlace] : [],
    });
  } else {
    const listenerName = kind === 'grpc' ? target.name : 'outbound|15001';
    const listener = listeners.get(listenerName);
    const hcm = listener ? connectionManager(listener) : undefined;
    if (!listener || !hcm) return notSent('listener', listenerName, 'LDS');
    const rcName = str(obj(hcm.rds)?.route_config_name);
    steps.push({
      step: 'listener',
      resource: { type: 'LDS', name: listenerName },
      result: 'matched',
      detail: kind === 'grpc' ? `API listener for xds:///${target.name}, routes from RDS ${rcName}` : `outbound HTTP listener, routes from RDS ${rcName}`,
      mesh: policy ? [policy] : [],
    });
    const routeConfig = rcName !== undefined ? byName(input.source.resources, TypeUrl.RouteConfiguration).get(rcName) : obj(hcm.route_config);
    if (!routeConfig) return notSent('route-configuration', rcName ?? '(inline)', 'RDS');
    const authority = request.to;
    const vhost = list(routeConfig.virtual_hosts).find((v) => {
      const domains = Array.isArray(v.domains) ? (v.domains as unknown[]).map(String) : [];
      return domains.includes('*') || domains.includes(authority) || domains.includes(`${authority}:${target.port}`);
    });
    if (!vhost) return notSent('virtual-host', `${rcName ?? ''} → ${authority}`, 'RDS');
    steps.push({
      step: 'virtual-host',
      resource: { type: 'RDS', name: `${rcName} / ${str(vhost.name)}` },
      result: 'matched',
      detail: `authority ${authority} matches domains ${JSON.stringify(vhost.domains)}`,
      mesh: [places.serviceEntry(target.name)!],
    });
    const routes = list(vhost.routes);
    const written = target.routes.length > 0;
    for (const [i, route] of routes.entries()) {
      const verdict = routeMatches(obj(route.match) ?? {}, path, headers);
      const place = written ? places.routeMatch(target.name, i) : places.serviceEntry(target.name);
      const label = written ? `route ${i + 1}` : 'catch-all route (the service has no routes)';
      if (!verdict.ok) {
        steps.push({
          step: 'route',
          resource: { type: 'RDS', name: `${str(vhost.name)} ${label}` },
          result: 'skipped',
          detail: `${label} does not match: ${verdict.why}`,
          mesh: place ? [place] : [],
        });
        continue;
      }
      steps.push({
        step: 'route',
        resource: { type: 'RDS', name: `${str(vhost.name)} ${label}` },
        result: 'matched',
        detail: `${label} matches: ${verdict.why} (first match wins)`,
        mesh: [...(place ? [place] : []), ...(written ? [places.route(target.name, i)!] : [])],
      });
      action = obj(route.route);
      meshRouteIndex = written ? i : undefined;
      break;
    }
    if (!action) {
      steps.push({
        step: 'route',
        result: 'refused',
        detail: `no route of ${target.name} matches ${method} ${path}`,
        mesh: places.serviceEntry(target.name) ? [places.serviceEntry(target.name)!] : [],
      });
      return refuse(
        'route',
        `no route of ${target.name} matches ${method} ${path}: ${kind === 'grpc' ? 'UNAVAILABLE' : '404'} from ${kind === 'grpc' ? 'the gRPC client' : 'the sidecar'}`,
      );
    }
    if (str(action.cluster)) targetsWeighted.push({ cluster: str(action.cluster)!, weight: 1 });
    for (const c of list(obj(action.weighted_clusters)?.clusters)) targetsWeighted.push({ cluster: str(c.name) ?? '', weight: num(c.weight) ?? 0 });
  }

  const clusters = byName(input.source.resources, TypeUrl.Cluster);
  const assignments = byName(input.source.resources, TypeUrl.ClusterLoadAssignment);
  const total = targetsWeighted.reduce((n, t) => n + t.weight, 0) || 1;
  const meshRoute = meshRouteIndex !== undefined ? target.routes[meshRouteIndex] : undefined;
  const targets: ExplainTarget[] = [];
  for (const t of targetsWeighted) {
    const subset = t.cluster.startsWith(`${target.name}/`) ? t.cluster.slice(target.name.length + 1) : undefined;
    const mesh: MeshPlace[] = [];
    const destIndex = meshRoute?.destinations.findIndex((d) => destinationClusterName(target.name, d.subset) === t.cluster) ?? -1;
    if (meshRouteIndex !== undefined && destIndex >= 0) mesh.push(places.destination(target.name, meshRouteIndex, destIndex)!);
    if (subset !== undefined) mesh.push(places.subset(target.name, subset)!);
    const cluster = clusters.get(t.cluster);
    if (!cluster) {
      steps.push({
        step: 'cluster',
        resource: { type: 'CDS', name: t.cluster },
        result: 'refused',
        detail: `the route names cluster ${t.cluster}, which the proxy does not hold`,
        mesh,
      });
      return refuse('cluster', `cluster ${t.cluster} is missing from ${input.source.nodeId}'s config: ${kind === 'grpc' ? 'UNAVAILABLE' : '503 (no cluster)'}`);
    }
    const tp = places.trafficPolicy(target.name);
    const policyLines = [...describeClusterPolicy(cluster), ...(action ? describeRoutePolicy(action) : [])];
    const cla = assignments.get(t.cluster) ?? obj(cluster.load_assignment);
    const endpoints = endpointsOf(cla);
    const healthy = endpoints.filter((e) => HEALTHY.has(e.health)).length;
    const probability = t.weight / total;
    steps.push({
      step: 'cluster',
      resource: { type: 'CDS', name: t.cluster },
      result: 'matched',
      detail: `${(probability * 100).toFixed(probability === 1 ? 0 : 1)}% to ${t.cluster} (weight ${t.weight} of ${total})${policyLines.length ? `; ${policyLines.join('; ')}` : ''}`,
      mesh: [...mesh, ...(tp ? [tp] : [])],
    });
    const staticPlaces = target.endpoints.map((_, i) => places.staticEndpoint(target.name, i)!).filter(Boolean);
    steps.push({
      step: 'endpoints',
      resource: { type: 'EDS', name: t.cluster },
      result: healthy > 0 ? 'matched' : 'refused',
      detail:
        healthy > 0
          ? `${healthy} of ${endpoints.length} endpoints healthy: ${endpoints.map((e) => `${e.address}:${e.port} ${e.health.toLowerCase()}${e.weight !== 1 ? ` weight ${e.weight}` : ''}`).join(', ')}`
          : `no healthy endpoint (${endpoints.length} known): calls picked for this cluster fail (${kind === 'grpc' ? 'UNAVAILABLE' : '503'})`,
      mesh: staticPlaces,
    });
    targets.push({
      cluster: t.cluster,
      ...(subset !== undefined && { subset }),
      weight: t.weight,
      probability,
      endpoints,
      healthyEndpoints: healthy,
      policy: policyLines,
      mesh: [...mesh, ...(tp ? [tp] : [])],
    });
  }

  const rbacVerdict = rbacStep();
  if (!rbacVerdict.ok)
    return {
      ...refuse('rbac', `refused by ${target.name}'s RBAC: ${rbacVerdict.why}; ${kind === 'grpc' ? 'PERMISSION_DENIED' : '403 (RBAC: access denied)'}`),
      targets,
    };

  const split = targets.map((t) => `${t.subset ?? t.cluster} ${(t.probability * 100).toFixed(t.probability === 1 ? 0 : 1)}%`).join(', ');
  const noEndpoints = targets.filter((t) => t.healthyEndpoints === 0).map((t) => t.cluster);
  const routeWords = meshRouteIndex !== undefined ? `route ${meshRouteIndex + 1}` : 'the catch-all route';
  return {
    ...base,
    decision: 'routed',
    summary: `routed by ${target.name} ${routeWords} to ${split}${noEndpoints.length ? `; no healthy endpoint in ${noEndpoints.join(', ')}` : ''}`,
    targets,
    steps,
  };
}

export type { ServicePolicy };
