// LDS: an Envoy sidecar's inbound listener and outbound listeners, and the API listeners a
// proxyless gRPC client resolves `xds:///<service>` with.
import type { Filter } from '../generated/envoy/config/listener/v3/Filter';
import type { Listener } from '../generated/envoy/config/listener/v3/Listener';
import type { TcpProxy } from '../generated/envoy/extensions/filters/network/tcp_proxy/v3/TcpProxy';
import type { ServicePolicy } from '../model';
import { packAny } from '../proto/codec';
import type { TranslateContext } from './context';
import { resolveDestinations } from './destinations';
import { connectionManagerFilter, inlineConnectionManager, rdsConnectionManager } from './http-connection-manager';
import {
  apiListenerName,
  inboundClusterName,
  serviceClusterName,
  serviceRouteConfigName,
  sidecarListenerName,
  sidecarOutboundRouteConfigName,
  statPrefix,
} from './names';
import { httpTelemetry, sidecarSubject, tcpTelemetry } from './telemetry';
import { FilterName, TypeName } from './type-names';
import { inboundClientCertFields, inboundHttpFilters, outboundHttpFilters } from './traffic-filters';

/**
 * Everything arriving at the sidecar's inbound port goes to the local application. Security
 * decides how the plaintext chain is served (TLS termination, permissive) and what guards it (RBAC).
 */
export function buildInboundListener(ctx: TranslateContext, service: ServicePolicy): Listener {
  const { inboundAddress, inboundPort } = ctx.options;
  const prefix = statPrefix('inbound', service.name);
  const cluster = inboundClusterName(service.name);
  // RBAC is a network filter ahead of tcp_proxy for tcp, an HTTP filter ahead of the router otherwise.
  const filters: Filter[] =
    service.protocol === 'tcp'
      ? [...ctx.security.inboundNetworkFilters(ctx, service), tcpProxyFilter(prefix, { cluster, ...tcpTelemetry(ctx, sidecarSubject(ctx), 'inbound') })]
      : [
          connectionManagerFilter({
            ...inlineConnectionManager(
              prefix,
              {
                name: cluster,
                virtual_hosts: [{ name: cluster, domains: ['*'], routes: [{ match: { prefix: '/' }, route: { cluster, timeout: { seconds: 0 } } }] }],
              },
              [...ctx.security.inboundHttpFilters(ctx, service), ...inboundHttpFilters(service)],
              inboundClientCertFields(ctx, service),
            ),
            ...httpTelemetry(ctx, sidecarSubject(ctx), 'inbound'),
          }),
        ];
  const { filterChains, listenerFilters } = ctx.security.inboundFilterChains(ctx, service, { filters });
  return {
    name: sidecarListenerName('inbound', inboundPort),
    address: { socket_address: { address: inboundAddress, port_value: inboundPort } },
    filter_chains: filterChains,
    ...(listenerFilters.length > 0 && { listener_filters: listenerFilters }),
    traffic_direction: 'INBOUND',
  };
}

/** The one listener the app sends all its HTTP and gRPC calls to; routes pick the service by authority. */
export function buildSidecarHttpOutboundListener(ctx: TranslateContext, services: readonly ServicePolicy[]): Listener {
  const { outboundAddress, outboundHttpPort } = ctx.options;
  const hcm = {
    ...rdsConnectionManager(statPrefix('outbound', outboundHttpPort), sidecarOutboundRouteConfigName(outboundHttpPort), outboundHttpFilters(services), 'AUTO'),
    ...httpTelemetry(ctx, sidecarSubject(ctx), 'outbound'),
  };
  return {
    name: sidecarListenerName('outbound', outboundHttpPort),
    address: { socket_address: { address: outboundAddress, port_value: outboundHttpPort } },
    filter_chains: [{ filters: [connectionManagerFilter(hcm)] }],
    traffic_direction: 'OUTBOUND',
  };
}

/** A tcp service has no authority to route on, so it gets its own port: the app connects to 127.0.0.1:<service port>. */
export function buildSidecarTcpOutboundListener(ctx: TranslateContext, service: ServicePolicy): Listener {
  return {
    name: sidecarListenerName('outbound', service.port),
    address: { socket_address: { address: ctx.options.outboundAddress, port_value: service.port } },
    filter_chains: [
      {
        filters: [tcpProxyFilter(statPrefix('outbound', service.name), { ...tcpTarget(ctx, service), ...tcpTelemetry(ctx, sidecarSubject(ctx), 'outbound') })],
      },
    ],
    traffic_direction: 'OUTBOUND',
  };
}

/** What `xds:///<service>` resolves to in a proxyless gRPC client. */
export function buildApiListener(service: ServicePolicy): Listener {
  // gRPC takes nothing from the HCM but the route source and the filter list; no codec.
  const hcm = rdsConnectionManager(statPrefix('outbound', service.name), serviceRouteConfigName(service.name), outboundHttpFilters([service]), undefined);
  return { name: apiListenerName(service.name), api_listener: { api_listener: packAny(TypeName.HttpConnectionManager, hcm) } };
}

/** A tcp service cannot match requests: its first route's split (if any) applies to whole connections. */
export function tcpTarget(ctx: TranslateContext, service: ServicePolicy): Pick<TcpProxy, 'cluster' | 'weighted_clusters'> {
  const first = service.routes[0];
  if (!first) return { cluster: serviceClusterName(service.name) };
  if (service.routes.length > 1) {
    ctx.warnings.add(service.name, 'a tcp service cannot match requests; only its first route is used');
  }
  const targets = resolveDestinations(ctx, service, first.destinations);
  if (targets.length === 1) return { cluster: targets[0].cluster };
  return { weighted_clusters: { clusters: targets.map((t) => ({ name: t.cluster, weight: t.weight })) } };
}

export function tcpProxyFilter(prefix: string, target: Pick<TcpProxy, 'cluster' | 'weighted_clusters' | 'access_log'>): Filter {
  const proxy: TcpProxy = { stat_prefix: prefix, ...target };
  return { name: FilterName.TcpProxy, typed_config: packAny(TypeName.TcpProxy, proxy) };
}
