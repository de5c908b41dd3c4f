import type { Node__Output } from '../generated/envoy/config/core/v3/Node';

export type StreamProtocol = 'sotw' | 'delta';

/** What every stream knows about itself; read by status, metrics and logs. */
export interface StreamInfo {
  readonly id: number;
  readonly protocol: StreamProtocol;
  /** The gRPC service the stream came in on: `ads` or a per-type service such as `cds`. */
  readonly service: string;
  readonly peer: string;
  readonly openedAt: number;
  node?: Node__Output;
  group?: string;
  /** What the stream proved its service with; undefined for an anonymous stream. */
  credential?: StreamCredentialInfo;
}

/** The xDS layer's view of a stream's credential (ca/stream-auth.ts decides what it is). */
export interface StreamCredentialInfo {
  readonly kind: string;
  readonly id: string;
  readonly service: string;
  readonly expiresAt: number;
}

export type RejectReason = 'malformed' | 'unknown_type' | 'stale_nonce' | 'no_node' | 'permission_denied' | 'unauthenticated' | 'type_mismatch' | 'limit';

/**
 * Hooks for metrics and status. The server calls these synchronously and never depends on them;
 * an observer must not throw.
 */
export interface XdsObserver {
  streamOpened?(info: StreamInfo): void;
  streamClosed?(info: StreamInfo): void;
  responseSent?(info: StreamInfo, typeUrl: string, version: string, bytes: number, resources: number, removed: number): void;
  ackReceived?(info: StreamInfo, typeUrl: string, version: string, convergenceMs: number | undefined): void;
  nackReceived?(info: StreamInfo, typeUrl: string, version: string, message: string): void;
  requestRejected?(info: StreamInfo | undefined, reason: RejectReason, detail: string): void;
}
