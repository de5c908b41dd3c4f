// Hook points for mTLS and authorization. Translation calls these at the few places where
// security changes a resource, so adding TLS contexts, SDS secret names or RBAC filters is a
// new SecurityHooks implementation plus nothing else. PLAINTEXT is what mesh.mtls: disabled means.
import type { TransportSocket } from '../generated/envoy/config/core/v3/TransportSocket';
import type { Filter } from '../generated/envoy/config/listener/v3/Filter';
import type { FilterChain } from '../generated/envoy/config/listener/v3/FilterChain';
import type { ListenerFilter } from '../generated/envoy/config/listener/v3/ListenerFilter';
import type { HttpFilter } from '../generated/envoy/extensions/filters/network/http_connection_manager/v3/HttpFilter';
import type { MeshState, ProxyIdentity, ServicePolicy } from '../model';
import type { TranslateContext } from './context';
import type { NamedResource } from '../xds/resource-set';

export interface InboundChains {
  readonly filterChains: FilterChain[];
  /** e.g. envoy.filters.listener.tls_inspector when chains are chosen by transport protocol. */
  readonly listenerFilters: ListenerFilter[];
}

export interface SecurityHooks {
  /**
   * Appended to the proxy group key. Return something different for two proxies of the same
   * kind and service exactly when these hooks would give them different resources (for
   * example, secrets only for streams that proved their service).
   */
  groupKeyPart(state: MeshState, proxy: ProxyIdentity): string;
  /**
   * What upstreamTransportSocket depends on besides the target and the mesh config, as a string:
   * proxies with equal variants get the same clusters, so translation builds each target's
   * clusters once per variant and shares them between groups (memo.ts).
   */
  upstreamVariant(ctx: TranslateContext): string;
  /** Transport socket on clusters that call `target` (Envoy: SDS-backed TLS; gRPC: certificate providers). */
  upstreamTransportSocket(ctx: TranslateContext, target: ServicePolicy): TransportSocket | undefined;
  /** Turns the inbound plaintext filter chain into the chains actually served (strict: TLS only; permissive: TLS and plaintext). */
  inboundFilterChains(ctx: TranslateContext, service: ServicePolicy, plaintext: FilterChain): InboundChains;
  /** HTTP filters placed before the router on the inbound connection manager (RBAC from `allow`). */
  inboundHttpFilters(ctx: TranslateContext, service: ServicePolicy): HttpFilter[];
  /** Network filters placed before tcp_proxy on the inbound chain of a tcp service (RBAC from `allow`). */
  inboundNetworkFilters(ctx: TranslateContext, service: ServicePolicy): Filter[];
  /** SDS secrets the proxy's clusters and listeners name. */
  secrets(ctx: TranslateContext): NamedResource[];
}

export const PLAINTEXT: SecurityHooks = {
  groupKeyPart: () => '',
  upstreamVariant: () => '',
  upstreamTransportSocket: () => undefined,
  inboundFilterChains: (_ctx, _service, plaintext) => ({ filterChains: [plaintext], listenerFilters: [] }),
  inboundHttpFilters: () => [],
  inboundNetworkFilters: () => [],
  secrets: () => [],
};
