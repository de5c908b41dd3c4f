// How a stream finds its proxy group: the node it announces plus what it proved (stream
// authentication in ca/) give a ProxyIdentity; translation's group key (translate.ts,
// proxyGroupKey) says which identities receive identical config; the publisher maps the key
// to the group whose snapshot the stream follows. This file is the one place that chains them.
import type { PeerCertificate } from 'node:tls';
import type { Metadata } from '@grpc/grpc-js';
import * as grpc from '@grpc/grpc-js';
import { authenticateStream, type StreamAuthPolicy } from '../ca/stream-auth';
import type { Node__Output } from '../generated/envoy/config/core/v3/Node';
import type { ProxyClient, ProxyIdentity, ProxyKind } from '../model';
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

/**
 * What the node says about its client software. Envoy sends its version as a structured
 * user_agent_build_version rather than text; it is kept as major.minor.patch.
 */
export function proxyClientOf(node: Node__Output): ProxyClient {
  const build = node.user_agent_build_version?.version;
  const version = node.user_agent_version ?? (build ? `${build.major_number}.${build.minor_number}.${build.patch}` : '');
  return { name: node.user_agent_name ?? '', version, features: [...(node.client_features ?? [])] };
}

/** `service` is what the stream proved (or, anonymous under --insecure-xds, its node.cluster). */
export function proxyIdentityOf(node: Node__Output, service: string, authenticated: boolean): ProxyIdentity {
  // node.locality: where the proxy runs (bootstrap --zone/--region); absent when it names neither.
  const zone = node.locality?.zone || undefined;
  const region = node.locality?.region || undefined;
  const locality = zone !== undefined || region !== undefined ? { ...(zone !== undefined && { zone }), ...(region !== undefined && { region }) } : undefined;
  return { kind: proxyKindOf(node), service, nodeId: node.id ?? '', authenticated, client: proxyClientOf(node), ...(locality && { locality }) };
}

export interface StreamGrouping extends StreamAuthPolicy {
  /** Whether the mesh has this service: only those may form groups. */
  readonly knownService: (service: string) => boolean;
  /** The publisher's group for an identity (MeshPublisher.groupFor). */
  readonly groupFor: (proxy: ProxyIdentity) => string;
  /** Counted when a stream is refused for naming a service the mesh does not have. */
  readonly unknownService?: () => void;
  /**
   * --xds-max-groups: a stream that would start a new group beyond this many is refused
   * (RESOURCE_EXHAUSTED); one joining an existing group never is.
   */
  readonly maxGroups?: { readonly max: number; readonly count: () => number; readonly exists: (proxy: ProxyIdentity) => boolean; readonly hit?: () => void };
}

/** The xDS server's GroupResolver: authenticate, then group by what was proved. */
export function streamGroupResolver(g: StreamGrouping): GroupResolver {
  return (node: Node__Output, _info, metadata: Metadata, peerCertificate?: PeerCertificate) => {
    const auth = authenticateStream(g, node, metadata, peerCertificate);
    if ('error' in auth) return auth;
    // Every distinct service is a group with its own translation and snapshot; a name the mesh
    // does not have would let any client mint groups (memory, CPU) at will. An anonymous stream
    // with no node.cluster at all is one shared group.
    if (auth.service !== '' && !g.knownService(auth.service)) {
      g.unknownService?.();
      return { error: { code: grpc.status.PERMISSION_DENIED, message: `service "${auth.service}" is not in the mesh; only its services may connect` } };
    }
    const proxy = proxyIdentityOf(node, auth.service, auth.credential !== undefined);
    const cap = g.maxGroups;
    if (cap && cap.count() >= cap.max && !cap.exists(proxy)) {
      cap.hit?.();
      return {
        error: {
          code: grpc.status.RESOURCE_EXHAUSTED,
          message: `this control plane already serves ${cap.count()} proxy groups, its maximum (limit --xds-max-groups)`,
        },
      };
    }
    return { group: g.groupFor(proxy), credential: auth.credential };
  };
}
