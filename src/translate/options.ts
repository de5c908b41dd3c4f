// Knobs that are the same for every proxy a server serves. They are not part of the proxy group
// key, so a server must use one TranslateOptions for its whole lifetime.
import type { SecurityHooks } from './security';

export interface TranslateOptions {
  /** Port of an Envoy sidecar's inbound listener (Istio's convention). Default 15006. */
  readonly inboundPort?: number;
  /** Address the inbound listener binds. Default 0.0.0.0: peers reach it on the instance's address. */
  readonly inboundAddress?: string;
  /** Address of the application beside an Envoy sidecar; it listens on its service's port. Default 127.0.0.1. */
  readonly localAppAddress?: string;
  /**
   * Address an Envoy sidecar's outbound listeners bind. Default 127.0.0.1: only the application
   * beside the sidecar may use it as its way into the mesh.
   */
  readonly outboundAddress?: string;
  /** Port of the shared HTTP outbound listener (Istio's convention). Default 15001. */
  readonly outboundHttpPort?: number;
  /** Cluster connect timeout when a service sets none. Default 5000 (Envoy's own default, made explicit). */
  readonly defaultConnectTimeoutMs?: number;
  /**
   * The CA bundle file in a sidecar's image that an external provider's certificate is checked
   * against (tls: originate). Default /etc/ssl/certs/ca-certificates.crt (Debian and Ubuntu,
   * which the official Envoy images are built on).
   */
  readonly systemTrustBundleFile?: string;
  /** mTLS and RBAC; absent means plaintext with no authorization filters (mesh.mtls: disabled). */
  readonly security?: SecurityHooks;
}

export interface ResolvedOptions {
  readonly inboundPort: number;
  readonly inboundAddress: string;
  readonly localAppAddress: string;
  readonly outboundAddress: string;
  readonly outboundHttpPort: number;
  readonly defaultConnectTimeoutMs: number;
  readonly systemTrustBundleFile: string;
}

export const DEFAULT_INBOUND_PORT = 15006;
export const DEFAULT_OUTBOUND_HTTP_PORT = 15001;

export function resolveOptions(opts: TranslateOptions | undefined): ResolvedOptions {
  return {
    inboundPort: opts?.inboundPort ?? DEFAULT_INBOUND_PORT,
    inboundAddress: opts?.inboundAddress ?? '0.0.0.0',
    localAppAddress: opts?.localAppAddress ?? '127.0.0.1',
    outboundAddress: opts?.outboundAddress ?? '127.0.0.1',
    outboundHttpPort: opts?.outboundHttpPort ?? DEFAULT_OUTBOUND_HTTP_PORT,
    defaultConnectTimeoutMs: opts?.defaultConnectTimeoutMs ?? 5000,
    systemTrustBundleFile: opts?.systemTrustBundleFile ?? '/etc/ssl/certs/ca-certificates.crt',
  };
}
