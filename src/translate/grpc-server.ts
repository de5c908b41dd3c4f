// xDS-enabled gRPC servers (gRFC A36, with A29 security and A41 RBAC).
//
// A proxyless gRPC server of service S (node.cluster = S) asks for the listener named
// `grpc/server?xds.resource.listening_address=<ip>:<port>` (the bootstrap's
// server_listener_resource_name_template with its bound address). The control plane cannot know
// which address a process bound, so the proxy group of S (per service, not per node) gets one such
// listener for every registered instance of S; a server only subscribes to its own, and an
// instance registered before it starts serving has its listener waiting.
//
// Each listener (what grpc-js-xds 1.14's server accepts):
// - address socket_address <ip>:<port>, which the server checks against what it bound;
// - one filter chain without a filter_chain_match (grpc-js only takes raw_buffer matches: it has
//   no TLS sniffing, so permissive mTLS serves the same TLS chain as strict);
// - exactly one filter, an HCM with its routes inline: one virtual host, domains ['*'], one route
//   matching everything with non_forwarding_action (A36: anything else fails the RPC);
// - http_filters: RBAC from S's allow list and mesh.defaultPolicy (the same rules an Envoy
//   sidecar's inbound side gets, rbac.ts), then the router. The RBAC filter is not optional:
//   a server that does not support it (grpc-js-xds needs GRPC_XDS_EXPERIMENTAL_RBAC=true) rejects
//   the listener and does not serve, rather than serving every caller unchecked;
// - with mTLS, a DownstreamTlsContext requiring a client certificate, with key and roots from the
//   bootstrap's certificate provider instance `switchyard` (A29; never SDS).
//
// Security follows the hooks: TLS and RBAC exactly when they give gRPC clients of S TLS clusters
// (meshSecurity() with mesh.mtls strict or permissive). Without mTLS no caller has an identity,
// so there is no RBAC either, as for Envoy sidecars under PLAINTEXT.
import type { Listener } from '../generated/envoy/config/listener/v3/Listener';
import type { TransportSocket } from '../generated/envoy/config/core/v3/TransportSocket';
import type { RouteConfiguration } from '../generated/envoy/config/route/v3/RouteConfiguration';
import type { DownstreamTlsContext } from '../generated/envoy/extensions/transport_sockets/tls/v3/DownstreamTlsContext';
import type { HttpConnectionManager } from '../generated/envoy/extensions/filters/network/http_connection_manager/v3/HttpConnectionManager';
import type { Instance, ServicePolicy } from '../model';
import { SECRET_NAMES } from '../model';
import { packAny } from '../proto/codec';
import { TypeUrl } from '../proto/type-urls';
import type { TranslateContext } from './context';
import { connectionManagerFilter, routerFilter } from './http-connection-manager';
import { GRPC_CERTIFICATE_PROVIDER_INSTANCE, MtlsExtensionName, MtlsTypeName } from './mtls-contexts';
import { statPrefix } from './names';
import { httpRbacFilters } from './rbac';
import { compareNames } from './reachability';
import type { ResourceCollector } from './resource-collector';

/** The bootstrap's server_listener_resource_name_template (src/bootstrap/grpc-bootstrap.ts) with `%s` filled in. */
export const GRPC_SERVER_LISTENER_PREFIX = 'grpc/server?xds.resource.listening_address=';

/** How grpc-js formats a bound address for the template: host:port, an IPv6 host in brackets. */
export function grpcListeningAddress(address: string, port: number): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}

/** The listener an xDS-enabled gRPC server bound to address:port asks for. */
export function grpcServerListenerName(address: string, port: number): string {
  return `${GRPC_SERVER_LISTENER_PREFIX}${grpcListeningAddress(address, port)}`;
}

/** The server listeners for the proxy's own service, one per distinct instance address. */
export function addGrpcServerResources(ctx: TranslateContext, out: ResourceCollector): void {
  const service = ctx.services.get(ctx.proxy.service);
  // A tcp service is not served by a gRPC server, and an external one not by the mesh at all.
  if (!service || service.protocol === 'tcp' || service.external) return;
  for (const instance of serverInstances(ctx, service)) {
    out.add(TypeUrl.Listener, grpcServerListenerName(instance.address, instance.port), buildGrpcServerListener(ctx, service, instance));
  }
}

/**
 * Every instance of the service, except those at the Envoy sidecar inbound port (15006 by
 * default: by the mesh's topology a sidecar serves those, never an xDS gRPC server), healthy or not (health decides who callers pick, not whether a
 * server may serve), sorted by id; of instances sharing an address, the first by id (the same
 * one EDS keeps, which warns about the rest).
 */
function serverInstances(ctx: TranslateContext, service: ServicePolicy): Instance[] {
  const sorted = [...(ctx.state.instances.get(service.name) ?? [])].sort((a, b) => compareNames(a.id, b.id));
  const seen = new Set<string>();
  return sorted.filter((i) => {
    // Registered at the sidecar inbound port: an Envoy sidecar serves it (translate.ts topology).
    if (i.port === ctx.options.inboundPort) return false;
    const key = grpcListeningAddress(i.address, i.port);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

export function buildGrpcServerListener(ctx: TranslateContext, service: ServicePolicy, instance: Instance): Listener {
  const mtls = ctx.security.upstreamTransportSocket(ctx, service) !== undefined;
  const routeConfig: RouteConfiguration = {
    name: `inbound|${service.name}`,
    virtual_hosts: [{ name: `inbound|${service.name}`, domains: ['*'], routes: [{ match: { prefix: '' }, non_forwarding_action: {} }] }],
  };
  const hcm: HttpConnectionManager = {
    stat_prefix: statPrefix('inbound', service.name),
    route_config: routeConfig,
    http_filters: [...(mtls ? httpRbacFilters(ctx.state.config.mesh, service) : []), routerFilter()],
  };
  return {
    name: grpcServerListenerName(instance.address, instance.port),
    address: { socket_address: { address: instance.address, port_value: instance.port } },
    filter_chains: [
      {
        filters: [connectionManagerFilter(hcm)],
        ...(mtls && { transport_socket: grpcServerTransportSocket() }),
      },
    ],
    traffic_direction: 'INBOUND',
  };
}

/**
 * The server side of gRFC A29: our certificate and the mesh roots from the bootstrap's provider,
 * and a client certificate required. Any mesh identity completes the handshake; RBAC decides who
 * may call. No SAN matching here, no SDS, no tls_params (grpc-js-xds rejects those).
 */
export function grpcServerTransportSocket(): TransportSocket {
  const context: DownstreamTlsContext = {
    require_client_certificate: { value: true },
    common_tls_context: {
      tls_certificate_provider_instance: { instance_name: GRPC_CERTIFICATE_PROVIDER_INSTANCE, certificate_name: SECRET_NAMES.workload },
      validation_context: {
        ca_certificate_provider_instance: { instance_name: GRPC_CERTIFICATE_PROVIDER_INSTANCE, certificate_name: SECRET_NAMES.trustBundle },
      },
    },
  };
  return { name: MtlsExtensionName.TlsTransportSocket, typed_config: packAny(MtlsTypeName.DownstreamTlsContext, context) };
}
