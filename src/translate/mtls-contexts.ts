// The TLS pieces mesh mTLS is made of: SPIFFE identities, SDS secret references and secrets for
// Envoy sidecars, certificate-provider contexts for proxyless gRPC (gRFC A29), and the listener
// filter that tells TLS from plaintext on a permissive inbound port.
import type { TransportSocket } from '../generated/envoy/config/core/v3/TransportSocket';
import type { ListenerFilter } from '../generated/envoy/config/listener/v3/ListenerFilter';
import type { DownstreamTlsContext } from '../generated/envoy/extensions/transport_sockets/tls/v3/DownstreamTlsContext';
import type { SdsSecretConfig } from '../generated/envoy/extensions/transport_sockets/tls/v3/SdsSecretConfig';
import type { Secret } from '../generated/envoy/extensions/transport_sockets/tls/v3/Secret';
import type { UpstreamTlsContext } from '../generated/envoy/extensions/transport_sockets/tls/v3/UpstreamTlsContext';
import { SECRET_NAMES, type ServicePolicy, type WorkloadKeyPair } from '../model';
import { packAny } from '../proto/codec';
import { adsConfigSource } from './clusters';
import type { NamedResource } from '../xds/resource-set';

export const MtlsTypeName = {
  UpstreamTlsContext: 'envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext',
  DownstreamTlsContext: 'envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext',
  TlsInspector: 'envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector',
} as const;

export const MtlsExtensionName = {
  TlsTransportSocket: 'envoy.transport_sockets.tls',
  TlsInspector: 'envoy.filters.listener.tls_inspector',
} as const;

/**
 * The certificate provider instance a proxyless gRPC client's bootstrap must define
 * (`certificate_providers.switchyard`, e.g. the file_watcher plugin over the files the workload's
 * certificate agent writes). grpc-js-xds rejects a cluster naming an instance its bootstrap lacks.
 */
export const GRPC_CERTIFICATE_PROVIDER_INSTANCE = 'switchyard';

import { spiffeId } from '../model/identity';

export { spiffeId };

function sdsSecret(name: string): SdsSecretConfig {
  return { name, sds_config: adsConfigSource() };
}

/**
 * An Envoy sidecar calling `target`: present our workload certificate, trust the mesh roots, and
 * accept only a peer whose URI SAN is the target's SPIFFE ID (another workload's valid
 * certificate is not enough). Both secrets come over ADS.
 */
export function envoyUpstreamTransportSocket(trustDomain: string, target: ServicePolicy): TransportSocket {
  const context: UpstreamTlsContext = {
    common_tls_context: {
      tls_certificate_sds_secret_configs: [sdsSecret(SECRET_NAMES.workload)],
      combined_validation_context: {
        default_validation_context: {
          match_typed_subject_alt_names: [{ san_type: 'URI', matcher: { exact: spiffeId(trustDomain, target.name) } }],
        },
        validation_context_sds_secret_config: sdsSecret(SECRET_NAMES.trustBundle),
      },
    },
    sni: target.name,
  };
  return { name: MtlsExtensionName.TlsTransportSocket, typed_config: packAny(MtlsTypeName.UpstreamTlsContext, context) };
}

/**
 * A proxyless gRPC client calling `target` (gRFC A29): keys never travel over xDS, so identity and
 * roots come from the bootstrap's certificate provider. grpc-js-xds 1.14 reads only
 * `validation_context` (or combined's default) with `ca_certificate_provider_instance` and the
 * StringMatcher list `match_subject_alt_names` (not the typed matchers), and rejects the whole
 * cluster over SDS configs, tls_params or a custom handshaker; so exactly this shape.
 */
export function grpcUpstreamTransportSocket(trustDomain: string, target: ServicePolicy): TransportSocket {
  const context: UpstreamTlsContext = {
    common_tls_context: {
      tls_certificate_provider_instance: { instance_name: GRPC_CERTIFICATE_PROVIDER_INSTANCE, certificate_name: SECRET_NAMES.workload },
      validation_context: {
        ca_certificate_provider_instance: { instance_name: GRPC_CERTIFICATE_PROVIDER_INSTANCE, certificate_name: SECRET_NAMES.trustBundle },
        match_subject_alt_names: [{ exact: spiffeId(trustDomain, target.name) }],
      },
    },
  };
  return { name: MtlsExtensionName.TlsTransportSocket, typed_config: packAny(MtlsTypeName.UpstreamTlsContext, context) };
}

/**
 * The sidecar's inbound side: serve our workload certificate and require a client certificate
 * from the mesh roots. Any mesh identity completes the handshake; who may call is RBAC's job.
 * ALPN lets callers that insist on it (gRPC) negotiate h2; the HCM's AUTO codec does the rest.
 */
export function downstreamTransportSocket(service: ServicePolicy): TransportSocket {
  const context: DownstreamTlsContext = {
    require_client_certificate: { value: true },
    common_tls_context: {
      ...(service.protocol !== 'tcp' && { alpn_protocols: ['h2', 'http/1.1'] }),
      tls_certificate_sds_secret_configs: [sdsSecret(SECRET_NAMES.workload)],
      validation_context_sds_secret_config: sdsSecret(SECRET_NAMES.trustBundle),
    },
  };
  return { name: MtlsExtensionName.TlsTransportSocket, typed_config: packAny(MtlsTypeName.DownstreamTlsContext, context) };
}

/** Sets a connection's transport protocol ('tls' or 'raw_buffer') so filter chains can match on it. */
export function tlsInspectorListenerFilter(): ListenerFilter {
  // TlsInspector has only tuning fields; the defaults are right.
  return { name: MtlsExtensionName.TlsInspector, typed_config: packAny(MtlsTypeName.TlsInspector, {}) };
}

/** The two SDS secrets every mTLS reference names: the workload key pair and the trust bundle. */
export function workloadSecrets(keyPair: WorkloadKeyPair, trustBundlePem: string): NamedResource[] {
  const workload: Secret = {
    name: SECRET_NAMES.workload,
    tls_certificate: { certificate_chain: { inline_string: keyPair.certPem }, private_key: { inline_string: keyPair.keyPem } },
  };
  const roots: Secret = { name: SECRET_NAMES.trustBundle, validation_context: { trusted_ca: { inline_string: trustBundlePem } } };
  return [
    { name: SECRET_NAMES.workload, message: workload },
    { name: SECRET_NAMES.trustBundle, message: roots },
  ];
}
