// Who is asking for config. Derived from the xDS node plus what the stream proved.

/**
 * Envoy sidecars get full listeners; proxyless gRPC gets API listeners and a narrower feature set;
 * an Envoy ingress gateway (`service` is then the gateway's name) gets its gateway's listeners.
 */
export type ProxyKind = 'envoy' | 'grpc' | 'gateway';

/**
 * The xDS client software as the node describes it. Implementations of one kind differ in which
 * parts of xDS they accept (translate/consumers.ts turns this into what they are sent).
 */
export interface ProxyClient {
  /** node.user_agent_name: "envoy", "gRPC Node", "gRPC C-core linux Python", … */
  readonly name: string;
  /** node.user_agent_version (or Envoy's user_agent_build_version, as text). */
  readonly version: string;
  /** node.client_features, as sent. */
  readonly features: readonly string[];
}

export interface ProxyIdentity {
  readonly kind: ProxyKind;
  /** node.cluster: the service this proxy fronts (may be empty for a bare gRPC client). */
  readonly service: string;
  /** node.id: the instance id. */
  readonly nodeId: string;
  /** True when the stream presented a valid xDS token for `service`. Secrets need it. */
  readonly authenticated: boolean;
  /** Absent: a client of this kind that needs nothing beyond the kind's defaults. */
  readonly client?: ProxyClient;
  /** node.locality: where the proxy runs; absent when its bootstrap names no zone or region. */
  readonly locality?: ProxyLocality;
}

export interface ProxyLocality {
  readonly zone?: string;
  readonly region?: string;
}
