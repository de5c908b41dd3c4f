// How a stream finds its proxy group: the node it announces plus what it proved (stream
// authentication in ca/) give a ProxyIdentity; translation's group key (translate.ts,
// proxyGroupKey) says which identities receive identical config; the publisher maps the key
// to the group whose snapshot the stream follows. This file is the one place that chains them.
import type { Metadata } from '@grpc/grpc-js';
import type { TokenAuthority } from '../ca/tokens';
import { authenticateStream } from '../ca/stream-auth';
import type { Node__Output } from '../generated/envoy/config/core/v3/Node';
import type { ProxyIdentity, ProxyKind } from '../model';
import type { GroupResolver } from '../xds';
import { GATEWAY_METADATA_KEY } from '../bootstrap/envoy-bootstrap';

/**
 * A node whose metadata names a gateway is that ingress gateway. Otherwise:
 * Envoy says `user_agent_name: envoy`; gRPC libraries say "gRPC Node", "gRPC C-core", "gRPC Go"
 * and so on. Anything else is treated as Envoy, the richer consumer, since Envoy-compatible
 * data planes are the common case.
 */
export function proxyKindOf(node: Node__Output): ProxyKind {
  if (/grpc/i.test(node.user_agent_name ?? '')) return 'grpc';
  // `bootstrap envoy --gateway NAME` marks the node; NAME must also be node.cluster, which is
  // what an xDS token proves, so a gateway's identity is proved exactly as a sidecar's is.
  const gateway = node.metadata?.fields?.[GATEWAY_METADATA_KEY];
  if (gateway?.stringValue !== undefined && gateway.stringValue !== '' && gateway.stringValue === node.cluster) return 'gateway';
  return 'envoy';
}

export function proxyIdentityOf(node: Node__Output, authenticated: boolean): ProxyIdentity {
  return { kind: proxyKindOf(node), service: node.cluster ?? '', nodeId: node.id ?? '', authenticated };
}

export interface StreamGrouping {
  readonly tokens: TokenAuthority;
  readonly requireToken: boolean;
  /** The publisher's group for an identity (MeshPublisher.groupFor). */
  readonly groupFor: (proxy: ProxyIdentity) => string;
}

/** The xDS server's GroupResolver: authenticate, then group by what was proved. */
export function streamGroupResolver(g: StreamGrouping): GroupResolver {
  return (node: Node__Output, _info, metadata: Metadata) => {
    const auth = authenticateStream(g.tokens, g.requireToken, node, metadata);
    if ('error' in auth) return auth;
    return { group: g.groupFor(proxyIdentityOf(node, auth.authenticated)) };
  };
}
