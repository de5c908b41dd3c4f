import type { Node__Output } from '../generated/envoy/config/core/v3/Node';
import type { ProxyIdentity, ProxyKind } from '../model';

/**
 * Envoy says `user_agent_name: envoy`; gRPC libraries say "gRPC Node", "gRPC C-core", "gRPC Go"
 * and so on. Anything else is treated as Envoy, the richer consumer, since Envoy-compatible
 * data planes are the common case.
 */
export function proxyKindOf(node: Node__Output): ProxyKind {
  return /grpc/i.test(node.user_agent_name ?? '') ? 'grpc' : 'envoy';
}

export function proxyIdentityOf(node: Node__Output, authenticated: boolean): ProxyIdentity {
  return { kind: proxyKindOf(node), service: node.cluster ?? '', nodeId: node.id ?? '', authenticated };
}
