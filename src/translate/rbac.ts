// RBAC from a service's `allow` list and mesh.defaultPolicy, for the inbound side of its
// sidecars: an HTTP filter ahead of the router, or a network filter ahead of tcp_proxy. Callers
// are named by the SPIFFE ID in their client certificate, so these rules only admit anyone on a
// connection that completed mTLS; a plaintext connection has no principal and matches no policy.
import type { RBAC as RbacRules } from '../generated/envoy/config/rbac/v3/RBAC';
import type { Filter } from '../generated/envoy/config/listener/v3/Filter';
import type { RBAC as HttpRbac } from '../generated/envoy/extensions/filters/http/rbac/v3/RBAC';
import type { RBAC as NetworkRbac } from '../generated/envoy/extensions/filters/network/rbac/v3/RBAC';
import type { HttpFilter } from '../generated/envoy/extensions/filters/network/http_connection_manager/v3/HttpFilter';
import type { MeshSettings, ServicePolicy } from '../model';
import { packAny } from '../proto/codec';
import { spiffeId } from './mtls-contexts';
import { statPrefix } from './names';

export const RbacTypeName = {
  Http: 'envoy.extensions.filters.http.rbac.v3.RBAC',
  Network: 'envoy.extensions.filters.network.rbac.v3.RBAC',
} as const;

export const RbacFilterName = {
  Http: 'envoy.filters.http.rbac',
  Network: 'envoy.filters.network.rbac',
} as const;

/** The one policy's name; it shows in Envoy's RBAC debug logs and shadow stats. */
export const ALLOW_LIST_POLICY = 'allow-list';

/**
 * The rules for calls into `service`, or undefined when every caller is allowed (no allow list
 * and defaultPolicy allow: no filter at all). An ALLOW action with no policies denies everyone:
 * that is an empty allow list, or no allow list under defaultPolicy deny.
 */
export function inboundRbacRules(mesh: MeshSettings, service: ServicePolicy): RbacRules | undefined {
  if (service.allow === undefined) return mesh.defaultPolicy === 'allow' ? undefined : { action: 'ALLOW', policies: {} };
  // Mesh-file order, without repeats: deterministic, and readable in a config dump.
  const callers = [...new Set(service.allow)];
  if (callers.length === 0) return { action: 'ALLOW', policies: {} };
  return {
    action: 'ALLOW',
    policies: {
      [ALLOW_LIST_POLICY]: {
        permissions: [{ any: true }],
        principals: callers.map((caller) => ({ authenticated: { principal_name: { exact: spiffeId(mesh.trustDomain, caller) } } })),
      },
    },
  };
}

export function httpRbacFilters(mesh: MeshSettings, service: ServicePolicy): HttpFilter[] {
  const rules = inboundRbacRules(mesh, service);
  if (!rules) return [];
  const config: HttpRbac = { rules };
  return [{ name: RbacFilterName.Http, typed_config: packAny(RbacTypeName.Http, config) }];
}

export function networkRbacFilters(mesh: MeshSettings, service: ServicePolicy): Filter[] {
  const rules = inboundRbacRules(mesh, service);
  if (!rules) return [];
  // Envoy appends `rbac.allowed` etc. directly, so the prefix ends with a dot.
  const config: NetworkRbac = { stat_prefix: `${statPrefix('inbound', service.name)}.`, rules };
  return [{ name: RbacFilterName.Network, typed_config: packAny(RbacTypeName.Network, config) }];
}
