import type { EncodedResource } from './encoded-resource';

export interface NackRecord {
  readonly version: string;
  readonly message: string;
  readonly at: number;
}

/** Per-type sync state of one stream, as `/v1/proxies` and `switchyard status` show it. */
export interface TypeSyncStatus {
  readonly typeUrl: string;
  readonly wildcard: boolean;
  readonly subscribedNames: readonly string[];
  readonly sentVersion?: string;
  readonly sentNonce?: string;
  readonly ackedVersion?: string;
  readonly pendingAck: boolean;
  readonly lastNack?: NackRecord;
  readonly resourceCount: number;
}

export interface StreamStatus {
  readonly id: number;
  readonly protocol: 'sotw' | 'delta';
  readonly service: string;
  readonly peer: string;
  readonly openedAt: number;
  readonly nodeId?: string;
  readonly nodeCluster?: string;
  readonly userAgent?: string;
  /** node.client_features: what the client says it supports, which decides part of what it is sent. */
  readonly clientFeatures?: readonly string[];
  readonly group?: string;
  /** Whether the stream proved its service (xDS token or client certificate). */
  readonly authenticated?: boolean;
  readonly types: readonly TypeSyncStatus[];
}

/** The resources a stream last sent a proxy (what it holds unless it NACKed), by type URL. */
export type SentResources = ReadonlyMap<string, readonly EncodedResource[]>;

/** What SotW and delta keep per subscribed type alike: the subscription and the last exchange. */
export interface TypeSubscriptionState {
  subscribed: boolean;
  wildcard: boolean;
  names: Set<string>;
  /** Set by a request that expects an answer even if the content is unchanged (the first one for a type). */
  mustRespond: boolean;
  sentVersion?: string;
  sentNonce?: string;
  ackedVersion?: string;
  lastNack?: NackRecord;
}

export function newSubscriptionState(): TypeSubscriptionState {
  return { subscribed: false, wildcard: false, names: new Set(), mustRespond: false };
}

/** The status view of one type's state; pendingAck and the count differ in how each protocol tracks them. */
export function syncStatus(typeUrl: string, st: TypeSubscriptionState, pendingAck: boolean, resourceCount: number): TypeSyncStatus {
  return {
    typeUrl,
    wildcard: st.wildcard,
    subscribedNames: [...st.names],
    sentVersion: st.sentVersion,
    sentNonce: st.sentNonce,
    ackedVersion: st.ackedVersion,
    pendingAck,
    lastNack: st.lastNack,
    resourceCount,
  };
}
