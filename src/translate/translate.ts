/**
 * Translation: MeshState × proxy → the xDS resources that proxy should hold. Pure and
 * deterministic: the same state and proxy give deep-equal resources in the same order (every
 * list is sorted by name or kept in the mesh file's order where order means something, such as
 * routes), with no clock, randomness or host locale involved.
 *
 * Resource names (service and subset names cannot contain '/' or '|', so none collide):
 *
 *   cluster, and its EDS ClusterLoadAssignment (cluster_name = cluster name):
 *     catalog              every instance of service catalog
 *     catalog/v1           instances matching catalog's subset v1 selector
 *     inbound|catalog      (Envoy) STATIC cluster to the local app at 127.0.0.1:<catalog.port>
 *   route configuration:
 *     catalog              (gRPC) routes for xds:///catalog: one virtual host, domains ['*'],
 *                          the service's routes in order (or one catch-all to cluster `catalog`)
 *     outbound|15001       (Envoy) one virtual host per callable http/grpc service, same routes,
 *                          domains [catalog, catalog:8080]
 *   listener:
 *     catalog              (gRPC) API listener for xds:///catalog; HCM with RDS `catalog` over ADS
 *     grpc/server?xds.resource.listening_address=<ip>:<port>
 *                          (gRPC) server listener for each registered instance of the proxy's own
 *                          service (gRFC A36), with mTLS and RBAC from the security hooks
 *     inbound|15006        (Envoy) 0.0.0.0:15006 → cluster inbound|<own service>; routes inline
 *     outbound|15001       (Envoy) 127.0.0.1:15001, HCM with RDS outbound|15001
 *     outbound|5432        (Envoy) 127.0.0.1:<port> of a callable tcp service, tcp_proxy
 *
 * Envoy sidecar topology (Istio-like, one sidecar and app per network namespace or host; there
 * is no iptables interception, so the app opts in):
 * - The application of service S listens on <S.port> (reached at 127.0.0.1). Its sidecar listens
 *   on 0.0.0.0:15006 and forwards there; instances of S are registered with the address peers can
 *   reach and port 15006, so callers' sidecars (and proxyless clients) arrive at the sidecar.
 * - The app calls HTTP and gRPC services through one listener, 127.0.0.1:15001, which picks the
 *   service by Host/:authority: `http://catalog:8080/` with HTTP_PROXY=http://127.0.0.1:15001, or
 *   a request to 127.0.0.1:15001 with `Host: catalog` (gRPC: authority `orders:8080`). This works
 *   when many services share one port, as they do in the shop (all on 8080).
 * - A tcp service has no authority to route on: the app connects to 127.0.0.1:<its port>. A tcp
 *   service whose port is already taken on the sidecar's host (S's app, 15006, 15001, or another
 *   tcp service earlier in name order) is left out with a warning.
 *
 * Proxyless gRPC clients get API listeners, RDS, EDS clusters and endpoints for each callable
 * http or grpc service, shaped for what grpc-js-xds accepts (see cluster-policy.ts,
 * retry-policy.ts, routes.ts and endpoints.ts for the differences from Envoy).
 */
import type { MeshState, ProxyIdentity, ServicePolicy } from '../model';
import { consumerVariantOf, Warnings, type TranslateContext } from './context';
import { consumerDialect } from './consumers';
import { addEnvoySidecarResources } from './envoy-sidecar';
import { addGatewayResources, gatewayServices } from './gateway';
import { addGrpcClientResources } from './grpc-client';
import { TranslationMemo } from './memo';
import { onlyInstancesChanged, patchServiceBundles } from './patch';
import { resolveOptions, type TranslateOptions } from './options';
import { compareNames, reachableServices } from './reachability';
import { ResourceCollector } from './resource-collector';
import type { ResourceSet } from '../xds/resource-set';
import { PLAINTEXT } from './security';

export { reachableServices, mayCall } from './reachability';
export type { TranslateOptions } from './options';
export type { SecurityHooks, InboundChains } from './security';
export { PLAINTEXT } from './security';

export interface TranslateResult {
  readonly resources: ResourceSet;
  /** Policy this proxy's kind cannot apply as written, and what it gets instead; in a stable order. */
  readonly warnings: string[];
}

function newContext(state: MeshState, proxy: ProxyIdentity, opts: TranslateOptions | undefined, memo: TranslationMemo | undefined): TranslateContext {
  const dialect = consumerDialect(proxy);
  const consumerVariant = consumerVariantOf(proxy.kind, dialect);
  const base = {
    memo,
    state,
    proxy,
    options: resolveOptions(opts),
    security: opts?.security ?? PLAINTEXT,
    warnings: new Warnings(),
    services: new Map<string, ServicePolicy>(state.config.services.map((s) => [s.name, s])),
    dialect,
    consumerVariant,
    upstreamVariant: '',
  };
  // Endpoint priorities depend on where the proxy runs (endpoints.ts), so its locality is part of the variant.
  return { ...base, upstreamVariant: `${consumerVariant}\0${base.security.upstreamVariant(base)}${localityKeyPart(proxy)}` };
}

export function translateForProxy(state: MeshState, proxy: ProxyIdentity, opts?: TranslateOptions, memo?: TranslationMemo): TranslateResult {
  const ctx = newContext(state, proxy, opts, memo);
  if (!opts?.security && state.config.mesh.mtls !== 'disabled') {
    ctx.warnings.add('', `mesh.mtls is ${state.config.mesh.mtls} but no security hooks are configured; resources are plaintext`);
  }
  const out = new ResourceCollector();
  if (proxy.kind === 'grpc') addGrpcClientResources(ctx, out);
  else if (proxy.kind === 'gateway') addGatewayResources(ctx, out);
  else addEnvoySidecarResources(ctx, out);
  return { resources: out.toResourceSet(), warnings: ctx.warnings.list() };
}

/**
 * Proxies with equal keys get identical resources, so the cache translates once per key.
 * Output depends on the kind, the consumer's dialect (consumers.ts; none for Envoy and
 * grpc-js-xds, whose keys are unchanged by it), the service (its inbound side and what it may
 * call) and whatever the security hooks make differ (e.g. whether the stream proved its
 * service); never on node.id.
 */
export function proxyGroupKey(state: MeshState, proxy: ProxyIdentity, opts?: Pick<TranslateOptions, 'security'>): string {
  const security = opts?.security ?? PLAINTEXT;
  return `${consumerVariantOf(proxy.kind, consumerDialect(proxy))}:${proxy.service}${security.groupKeyPart(state, proxy)}${localityKeyPart(proxy)}`;
}

/** Proxies in different localities are sent different endpoint priorities; none for a proxy that names none. */
function localityKeyPart(proxy: ProxyIdentity): string {
  const l = proxy.locality;
  return l ? `@${l.region ?? ''}/${l.zone ?? ''}` : '';
}

/**
 * The services whose policy or instances this proxy's resources are built from: its own and
 * those it may call. Note that who may call whom also depends on every other service's `allow`
 * list and on mesh.defaultPolicy, so a change there must re-translate every group.
 */
export function proxyDependencies(state: MeshState, proxy: ProxyIdentity): string[] {
  if (proxy.kind === 'gateway') {
    const gateway = state.config.gateways?.find((g) => g.name === proxy.service);
    const services = new Map(state.config.services.map((s) => [s.name, s]));
    return gateway ? gatewayServices({ state, services }, gateway).map((s) => s.name) : [];
  }
  const reachable = reachableServices(state.config, proxy.service);
  const own = state.config.services.some((s) => s.name === proxy.service) && !reachable.includes(proxy.service) ? [proxy.service] : [];
  return [...own, ...reachable].sort(compareNames);
}

/**
 * The translation stage in the shape the mesh publisher consumes (src/publish/mesh-publisher.ts
 * Translator). It keeps a memo, so groups translated from one state (and later states that left
 * a service untouched) share that service's clusters, endpoints and virtual hosts as objects.
 */
export function createTranslator(opts?: TranslateOptions): {
  groupKey(state: MeshState, proxy: ProxyIdentity): string;
  translate(state: MeshState, proxy: ProxyIdentity): TranslateResult;
  patch(before: MeshState, state: MeshState, proxy: ProxyIdentity, previous: ResourceSet, services: ReadonlySet<string>): TranslateResult | undefined;
  dependsOn(state: MeshState, proxy: ProxyIdentity): readonly string[];
  readonly memo: TranslationMemo;
} {
  const memo = new TranslationMemo();
  return {
    memo,
    patch: (before, state, proxy, previous, services) => {
      if (!onlyInstancesChanged(before, state)) return undefined;
      const ctx = newContext(state, proxy, opts, memo);
      const resources = patchServiceBundles(ctx, proxy, previous, services);
      return resources ? { resources, warnings: ctx.warnings.list() } : undefined;
    },
    groupKey: (state, proxy) => proxyGroupKey(state, proxy, opts),
    translate: (state, proxy) => translateForProxy(state, proxy, opts, memo),
    dependsOn: proxyDependencies,
  };
}
