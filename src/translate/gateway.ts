// An ingress gateway: an Envoy started with `bootstrap envoy --gateway NAME` gets exactly the
// mesh file's `gateways: [{ name: NAME, ... }]`: its listeners on 0.0.0.0, TLS termination, routes by
// host and path to mesh services, SNI passthrough, and clusters to those services that call them
// over mTLS with the gateway's own SPIFFE identity (spiffe://<trustDomain>/svc/NAME), so each
// service's `allow` list (RBAC on its sidecar) decides what the public can reach.
//
// Resource names ('|' never appears in service or gateway names):
//   listener and route configuration   gateway|<port>
//   SDS secret of an https listener     gateway-cert|<port>     (certificate from files)
//                                       default                 (issuer: mesh: the gateway's own
//                                                                workload certificate, which then
//                                                                carries the listener's DNS names)
//   clusters                            the services' usual clusters (catalog, catalog/v1, ...)
//
// A route to a service whose allow list does not admit the gateway answers 403 at the gateway
// (the parser warns); the gateway is never sent clusters for services it may not call, as a
// sidecar never is.
import * as path from 'node:path';
import type { Filter } from '../generated/envoy/config/listener/v3/Filter';
import type { FilterChain } from '../generated/envoy/config/listener/v3/FilterChain';
import type { Listener } from '../generated/envoy/config/listener/v3/Listener';
import type { Route as EnvoyRoute } from '../generated/envoy/config/route/v3/Route';
import type { RouteAction } from '../generated/envoy/config/route/v3/RouteAction';
import type { RouteConfiguration } from '../generated/envoy/config/route/v3/RouteConfiguration';
import type { VirtualHost } from '../generated/envoy/config/route/v3/VirtualHost';
import type { Cors as CorsFilter } from '../generated/envoy/extensions/filters/http/cors/v3/Cors';
import type { CorsPolicy } from '../generated/envoy/extensions/filters/http/cors/v3/CorsPolicy';
import type { HttpConnectionManager } from '../generated/envoy/extensions/filters/network/http_connection_manager/v3/HttpConnectionManager';
import type { HttpFilter } from '../generated/envoy/extensions/filters/network/http_connection_manager/v3/HttpFilter';
import type { DownstreamTlsContext } from '../generated/envoy/extensions/transport_sockets/tls/v3/DownstreamTlsContext';
import type { Secret } from '../generated/envoy/extensions/transport_sockets/tls/v3/Secret';
import type { Cors, GatewayListener, GatewayPolicy, GatewayRoute, ServicePolicy } from '../model';
import { SECRET_NAMES } from '../model';
import { packAny } from '../proto/codec';
import { TypeUrl } from '../proto/type-urls';
import { adsConfigSource } from './clusters';
import type { TranslateContext } from './context';
import { connectionManagerFilter, rdsConnectionManager } from './http-connection-manager';
import { tcpProxyFilter } from './listeners';
import { MtlsExtensionName, MtlsTypeName, tlsInspectorListenerFilter } from './mtls-contexts';
import { destinationClusterName } from './names';
import { addServiceClusters } from './outbound-service';
import { compareNames, mayCall } from './reachability';
import type { ResourceCollector } from './resource-collector';
import { buildRetryPolicy } from './retry-policy';
import { buildRouteMatch, timeoutFields } from './routes';
import { addTelemetryClusters, httpTelemetry, tcpTelemetry, type TelemetrySubject } from './telemetry';
import { FilterName, TypeName } from './type-names';

export function gatewayListenerName(port: number): string {
  return `gateway|${port}`;
}

export function gatewayCertSecretName(port: number): string {
  return `gateway-cert|${port}`;
}

export function gatewayOf(ctx: TranslateContext): GatewayPolicy | undefined {
  return ctx.state.config.gateways?.find((g) => g.name === ctx.proxy.service);
}

/** The services a gateway's routes name and it may call: what it gets clusters for. */
export function gatewayServices(ctx: Pick<TranslateContext, 'state' | 'services'>, gateway: GatewayPolicy): ServicePolicy[] {
  const names = new Set<string>();
  for (const l of gateway.listeners) {
    for (const r of l.routes) for (const d of r.destinations) names.add(d.service);
    for (const p of l.passthrough) names.add(p.service);
  }
  return [...names]
    .sort(compareNames)
    .map((n) => ctx.services.get(n))
    .filter((s): s is ServicePolicy => s !== undefined && mayCall(ctx.state.config, gateway.name, s));
}

export function addGatewayResources(ctx: TranslateContext, out: ResourceCollector): void {
  const gateway = gatewayOf(ctx);
  if (!gateway) {
    ctx.warnings.add(ctx.proxy.service, `no gateway named ${JSON.stringify(ctx.proxy.service)} in the mesh file; the gateway gets no listeners`);
    return;
  }
  const subject: TelemetrySubject = { name: gateway.name, ...(gateway.accessLog !== undefined && { accessLog: gateway.accessLog }) };
  // The gateway's own certificate, when it holds one (it proved its name and mTLS is on).
  const secrets = ctx.security.secrets(ctx);
  const holdsWorkloadCertificate = secrets.some((s) => s.name === SECRET_NAMES.workload);
  const callable = new Set(gatewayServices(ctx, gateway).map((s) => s.name));

  for (const listener of [...gateway.listeners].sort((a, b) => a.port - b.port)) {
    const name = gatewayListenerName(listener.port);
    if (listener.protocol === 'tls-passthrough') {
      const passthrough = passthroughListener(ctx, subject, listener, callable);
      // Envoy refuses a listener without filter chains, and the whole LDS update with it.
      if (passthrough.filter_chains!.length > 0) out.add(TypeUrl.Listener, name, passthrough);
      else
        ctx.warnings.add(
          gateway.name,
          `tls-passthrough listener on port ${listener.port} is left out: none of its routes leads to a service that allows gateway ${gateway.name}`,
        );
      continue;
    }
    let tlsSecret: string | undefined;
    if (listener.protocol === 'https') {
      const cert = listener.certificate!;
      if (cert.kind === 'files') {
        tlsSecret = gatewayCertSecretName(listener.port);
        out.add(TypeUrl.Secret, tlsSecret, fileCertificateSecret(tlsSecret, cert.certFile, cert.keyFile));
      } else if (holdsWorkloadCertificate) {
        tlsSecret = SECRET_NAMES.workload;
      } else {
        // A listener naming a secret the proxy never gets would wait for it forever.
        ctx.warnings.add(
          gateway.name,
          `https listener on port ${listener.port} is left out: its certificate is issued by the mesh CA, and this gateway holds none (it must prove its name with an xDS token, and mesh.mtls must not be disabled)`,
        );
        continue;
      }
    }
    out.add(TypeUrl.Listener, name, httpListener(ctx, subject, listener, tlsSecret));
    out.add(TypeUrl.RouteConfiguration, name, gatewayRouteConfiguration(ctx, gateway, listener, callable));
  }

  for (const service of gatewayServices(ctx, gateway)) addServiceClusters(ctx, service, out);
  addTelemetryClusters(ctx, subject, out);
  out.addAll(TypeUrl.Secret, secrets);
}

// ---- listeners ----------------------------------------------------------------------------------

function httpListener(ctx: TranslateContext, subject: TelemetrySubject, listener: GatewayListener, tlsSecret: string | undefined): Listener {
  const name = gatewayListenerName(listener.port);
  const filters: HttpFilter[] = listener.routes.some((r) => r.cors) ? [corsFilter()] : [];
  const hcm: HttpConnectionManager = {
    ...rdsConnectionManager(`gateway_${listener.port}`, name, filters, 'AUTO'),
    // The edge: the gateway is the first proxy, so the client's address is the connection's, and
    // X-Forwarded-For from the public is not trusted; paths are normalised before routing.
    use_remote_address: { value: true },
    normalize_path: { value: true },
    merge_slashes: true,
    // Host "shop.example.com:8443" matches the virtual host for shop.example.com.
    strip_any_host_port: true,
    ...httpTelemetry(ctx, subject, 'outbound', true),
  };
  const chain: FilterChain = { filters: [connectionManagerFilter(hcm)] };
  if (tlsSecret !== undefined) {
    const tls: DownstreamTlsContext = {
      common_tls_context: {
        alpn_protocols: ['h2', 'http/1.1'],
        tls_certificate_sds_secret_configs: [{ name: tlsSecret, sds_config: adsConfigSource() }],
      },
    };
    chain.transport_socket = { name: MtlsExtensionName.TlsTransportSocket, typed_config: packAny(MtlsTypeName.DownstreamTlsContext, tls) };
  }
  return {
    name,
    address: { socket_address: { address: '0.0.0.0', port_value: listener.port } },
    filter_chains: [chain],
    traffic_direction: 'INBOUND',
  };
}

/** One filter chain per route, chosen by SNI (read by the TLS inspector); TLS is not terminated. */
function passthroughListener(ctx: TranslateContext, subject: TelemetrySubject, listener: GatewayListener, callable: ReadonlySet<string>): Listener {
  const chains: FilterChain[] = [];
  for (const route of listener.passthrough) {
    if (!callable.has(route.service)) {
      ctx.warnings.add(
        subject.name,
        `tls-passthrough to ${route.service} on port ${listener.port} is left out: ${route.service} does not allow gateway ${subject.name}`,
      );
      continue;
    }
    const filters: Filter[] = [
      tcpProxyFilter(`gateway_${listener.port}_${route.service}`, { cluster: route.service, ...tcpTelemetry(ctx, subject, 'outbound') }),
    ];
    chains.push({ name: `${route.service}|${route.sni.join(',')}`, filter_chain_match: { server_names: [...route.sni] }, filters });
  }
  return {
    name: gatewayListenerName(listener.port),
    address: { socket_address: { address: '0.0.0.0', port_value: listener.port } },
    listener_filters: [tlsInspectorListenerFilter()],
    filter_chains: chains,
    traffic_direction: 'INBOUND',
  };
}

/**
 * Files on the gateway's host: Envoy reads them, and re-reads both when the directory of the
 * certificate changes (a renewal by cert-manager, certbot or a mounted Kubernetes secret). The
 * private key never passes through the control plane.
 */
function fileCertificateSecret(name: string, certFile: string, keyFile: string): Secret {
  return {
    name,
    tls_certificate: {
      certificate_chain: { filename: certFile },
      private_key: { filename: keyFile },
      watched_directory: { path: path.posix.dirname(certFile) },
    },
  };
}

// ---- routes -------------------------------------------------------------------------------------

/**
 * Envoy picks one virtual host per request (exact host, then the longest wildcard, then "*") and
 * only then tries its routes. So that the mesh file's rule holds — the first route, in file order,
 * whose hosts and match fit the request wins — each host written anywhere gets a virtual host with
 * every route that applies to it, in file order: its own, those with a wildcard covering it, and
 * those for "*".
 */
export function gatewayRouteConfiguration(
  ctx: TranslateContext,
  gateway: GatewayPolicy,
  listener: GatewayListener,
  callable: ReadonlySet<string>,
): RouteConfiguration {
  const hosts: string[] = [];
  for (const r of listener.routes) for (const h of r.hosts) if (!hosts.includes(h)) hosts.push(h);
  const virtualHosts: VirtualHost[] = hosts.map((host) => ({
    name: host,
    domains: [host],
    routes: listener.routes.filter((r) => r.hosts.some((pattern) => covers(pattern, host))).map((r) => gatewayRoute(ctx, gateway, r, callable)),
  }));
  return { name: gatewayListenerName(listener.port), virtual_hosts: virtualHosts };
}

/** Whether a route for `pattern` applies to requests for `host` (itself a name or pattern). */
function covers(pattern: string, host: string): boolean {
  if (pattern === '*' || pattern === host) return true;
  if (!pattern.startsWith('*.')) return false;
  const suffix = pattern.slice(1); // ".example.com"
  return host !== '*' && host.endsWith(suffix) && host.length > suffix.length;
}

function gatewayRoute(ctx: TranslateContext, gateway: GatewayPolicy, route: GatewayRoute, callable: ReadonlySet<string>): EnvoyRoute {
  const first = ctx.services.get(route.destinations[0]!.service)!;
  const match = buildRouteMatch(ctx, first, route.match);
  const cors = route.cors ? { typed_per_filter_config: { [FilterName.Cors]: packAny(TypeName.CorsPolicy, corsPolicy(route.cors)) } } : {};
  const refused = route.destinations.filter((d) => !callable.has(d.service)).map((d) => d.service);
  if (refused.length > 0) {
    const names = [...new Set(refused)].join(', ');
    return { match, direct_response: { status: 403, body: { inline_string: `gateway ${gateway.name} may not call ${names}\n` } }, ...cors };
  }
  const weights = new Map<string, number>();
  for (const d of route.destinations) {
    const cluster = destinationClusterName(d.service, d.subset);
    weights.set(cluster, (weights.get(cluster) ?? 0) + d.weight);
  }
  const targets = [...weights].filter(([, w]) => w > 0);
  const action: RouteAction = {
    ...(targets.length === 1
      ? { cluster: targets[0]![0] }
      : { weighted_clusters: { clusters: targets.map(([name, weight]) => ({ name, weight: { value: weight } })) } }),
    ...timeoutFields(ctx, route.timeoutMs),
  };
  const retryPolicy = buildRetryPolicy(ctx, first, route.retries);
  return { match, route: retryPolicy ? { ...action, retry_policy: retryPolicy } : action, ...cors };
}

function corsFilter(): HttpFilter {
  const config: CorsFilter = {};
  return { name: FilterName.Cors, typed_config: packAny(TypeName.Cors, config) };
}

function corsPolicy(cors: Cors): CorsPolicy {
  return {
    allow_origin_string_match: cors.allowOrigins.map((o) => (o === '*' ? { safe_regex: { regex: '.*' } } : { exact: o })),
    ...(cors.allowMethods && { allow_methods: cors.allowMethods.join(',') }),
    ...(cors.allowHeaders && { allow_headers: cors.allowHeaders.join(',') }),
    ...(cors.exposeHeaders && { expose_headers: cors.exposeHeaders.join(',') }),
    ...(cors.maxAgeMs !== undefined && { max_age: String(Math.floor(cors.maxAgeMs / 1000)) }),
    ...(cors.allowCredentials !== undefined && { allow_credentials: { value: cors.allowCredentials } }),
  };
}
