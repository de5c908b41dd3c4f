// Mesh mTLS and authorization as SecurityHooks: `createTranslator({ security: meshSecurity() })`.
//
// By mesh.mtls and who is asking:
// - disabled: exactly PLAINTEXT.
// - Envoy sidecar that proved its service (xDS token) and whose service has a certificate: SDS
//   secrets `default` (its key pair) and `ROOTCA` (trust bundle); every outbound cluster uses TLS
//   with that certificate and accepts only the target's SPIFFE ID; the inbound listener requires a
//   mesh client certificate (strict) or takes TLS and plaintext side by side (permissive), and
//   RBAC from `allow` guards it.
// - Envoy sidecar that did not prove its service, or has no certificate yet: no secrets and no
//   secret references (keys only ever go to a stream that proved the service), so its
//   traffic is plaintext, with a warning. Its inbound side still gets RBAC: without mTLS no caller
//   has an identity, so wherever an allow list (or defaultPolicy deny) applies, calls are refused
//   rather than let through unchecked.
// - Proxyless gRPC client: TLS from the bootstrap's certificate provider (gRFC A29); never secrets.
//
// Permissive inbound: RBAC sits on both chains (the filters are shared). A plaintext caller has no
// principal, so where an allow list applies it is denied, and only where every caller is allowed
// (no allow list, defaultPolicy allow) does plaintext get through: permissive relaxes transport,
// never authorization. The upstream side always uses TLS when it can; permissive concerns only
// what a sidecar accepts.
import type { FilterChain } from '../generated/envoy/config/listener/v3/FilterChain';
import type { MeshState, ProxyIdentity, ServicePolicy, WorkloadKeyPair } from '../model';
import type { TranslateContext } from './context';
import {
  downstreamTransportSocket,
  envoyUpstreamTransportSocket,
  grpcUpstreamTransportSocket,
  tlsInspectorListenerFilter,
  workloadSecrets,
} from './mtls-contexts';
import { httpRbacFilters, inboundRbacRules, networkRbacFilters } from './rbac';
import { PLAINTEXT, type InboundChains, type SecurityHooks } from './security';

export { GRPC_CERTIFICATE_PROVIDER_INSTANCE, spiffeId } from './mtls-contexts';

/** Group-key suffixes for Envoy sidecars when mTLS is on: only a proved stream may get keys. */
export const GROUP_KEY_AUTHENTICATED = ':authn';
export const GROUP_KEY_ANONYMOUS = ':anon';

/** What security a translation gets. */
type Posture =
  | { readonly kind: 'off' }
  | { readonly kind: 'grpc' }
  /** An Envoy sidecar holding its certificate: full mTLS. */
  | { readonly kind: 'mtls'; readonly keyPair: WorkloadKeyPair; readonly trustBundlePem: string }
  /** An Envoy sidecar without a certificate, and why. */
  | { readonly kind: 'no-certificate'; readonly reason: string };

function postureOf(state: MeshState, proxy: ProxyIdentity): Posture {
  if (state.config.mesh.mtls === 'disabled') return { kind: 'off' };
  if (proxy.kind === 'grpc') return { kind: 'grpc' };
  const service = proxy.service;
  if (!proxy.authenticated) {
    return { kind: 'no-certificate', reason: `proxy did not prove service ${service} with an xDS token: it gets no certificates and cannot take part in mTLS` };
  }
  if (!state.security) {
    return {
      kind: 'no-certificate',
      reason: `no certificate authority material is available for service ${service}: it gets no certificates and cannot take part in mTLS`,
    };
  }
  const keyPair = state.security.certificates.get(service);
  if (!keyPair) {
    return {
      kind: 'no-certificate',
      reason: `no workload certificate has been issued for service ${service} yet: it gets no certificates and cannot take part in mTLS`,
    };
  }
  return { kind: 'mtls', keyPair, trustBundlePem: state.security.trustBundlePem };
}

/** The posture of this translation; a sidecar without a certificate is told why (once: Warnings dedupes). */
function postureFor(ctx: TranslateContext): Posture {
  const posture = postureOf(ctx.state, ctx.proxy);
  if (posture.kind === 'no-certificate') ctx.warnings.add('', posture.reason);
  return posture;
}

export function meshSecurity(): SecurityHooks {
  /** RBAC for an Envoy sidecar's inbound side; a no-certificate sidecar is told when it refuses every call. */
  const rbacApplies = (ctx: TranslateContext, service: ServicePolicy, posture: Posture): boolean => {
    if (posture.kind !== 'mtls' && posture.kind !== 'no-certificate') return false;
    if (!inboundRbacRules(ctx.state.config.mesh, service)) return false;
    if (posture.kind === 'no-certificate') {
      ctx.warnings.add(
        service.name,
        'inbound calls are refused: callers are authorized by their mTLS identity, which this sidecar cannot verify without a certificate',
      );
    }
    return true;
  };

  return {
    groupKeyPart(state, proxy) {
      if (state.config.mesh.mtls === 'disabled' || proxy.kind === 'grpc') return '';
      // By what the stream proved, not by whether a certificate exists yet: a new certificate is a
      // new MeshState, so the group is re-translated then anyway.
      return proxy.authenticated ? GROUP_KEY_AUTHENTICATED : GROUP_KEY_ANONYMOUS;
    },

    // Not postureFor: the sidecar's own posture warning comes from secrets(), which every Envoy
    // translation calls; clusters are shared between groups and must not carry one group's warning.
    upstreamVariant: (ctx) => postureOf(ctx.state, ctx.proxy).kind,

    upstreamTransportSocket(ctx, target) {
      const posture = postureOf(ctx.state, ctx.proxy);
      const trustDomain = ctx.state.config.mesh.trustDomain;
      if (posture.kind === 'mtls') return envoyUpstreamTransportSocket(trustDomain, target);
      if (posture.kind === 'grpc') return grpcUpstreamTransportSocket(trustDomain, target);
      return undefined;
    },

    inboundFilterChains(ctx, service, plaintext): InboundChains {
      const posture = postureFor(ctx);
      if (posture.kind !== 'mtls') return PLAINTEXT.inboundFilterChains(ctx, service, plaintext);
      const tls: FilterChain = { ...plaintext, transport_socket: downstreamTransportSocket(service) };
      if (ctx.state.config.mesh.mtls === 'strict') return { filterChains: [tls], listenerFilters: [] };
      return {
        filterChains: [
          { ...tls, name: 'mtls', filter_chain_match: { ...plaintext.filter_chain_match, transport_protocol: 'tls' } },
          { ...plaintext, name: 'plaintext', filter_chain_match: { ...plaintext.filter_chain_match, transport_protocol: 'raw_buffer' } },
        ],
        listenerFilters: [tlsInspectorListenerFilter()],
      };
    },

    inboundHttpFilters(ctx, service) {
      return rbacApplies(ctx, service, postureFor(ctx)) ? httpRbacFilters(ctx.state.config.mesh, service) : [];
    },

    inboundNetworkFilters(ctx, service) {
      return rbacApplies(ctx, service, postureFor(ctx)) ? networkRbacFilters(ctx.state.config.mesh, service) : [];
    },

    secrets(ctx) {
      const posture = postureFor(ctx);
      return posture.kind === 'mtls' ? workloadSecrets(posture.keyPair, posture.trustBundlePem) : [];
    },
  };
}
