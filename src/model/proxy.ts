// Who is asking for config. Derived from the xDS node plus what the stream proved.

/**
 * Envoy sidecars get full listeners; proxyless gRPC gets API listeners and a narrower feature set;
 * an Envoy ingress gateway (`service` is then the gateway's name) gets its gateway's listeners.
 */
export type ProxyKind = 'envoy' | 'grpc' | 'gateway';

export interface ProxyIdentity {
  readonly kind: ProxyKind;
  /** node.cluster: the service this proxy fronts (may be empty for a bare gRPC client). */
  readonly service: string;
  /** node.id: the instance id. */
  readonly nodeId: string;
  /** True when the stream presented a valid xDS token for `service`. Secrets need it. */
  readonly authenticated: boolean;
}
