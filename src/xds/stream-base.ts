import type { PeerCertificate } from 'node:tls';
import type { Metadata } from '@grpc/grpc-js';
import type { Logger } from 'pino';
import { PUSH_ORDER, isKnownTypeUrl, type ResourceTypeUrl } from '../proto/type-urls';
import type { Node__Output } from '../generated/envoy/config/core/v3/Node';
import type { Snapshot } from './snapshot';
import type { SnapshotCache } from './snapshot-cache';
import type { RejectReason, StreamCredentialInfo, StreamInfo, XdsObserver } from './observer';
import type { SentResources, StreamStatus, TypeSyncStatus } from './stream-status';

/** How a stream writes: false means the transport is full and the stream must wait for onDrain. */
export interface ResponseSink {
  write(response: Buffer): boolean;
}

/**
 * Decides which proxy group a node belongs to, or refuses it (e.g. a bad xDS token). The
 * stream's call metadata (for `authorization`) and the verified client certificate, if the
 * client presented one over TLS, are what it may have proved itself with.
 */
export type GroupResolver = (
  node: Node__Output,
  info: StreamInfo,
  metadata: Metadata,
  peerCertificate?: PeerCertificate,
) => { group: string; credential?: StreamCredentialInfo } | { error: { code: number; message: string } };

export interface StreamDeps {
  readonly cache: SnapshotCache;
  readonly resolveGroup: (node: Node__Output, info: StreamInfo) => ReturnType<GroupResolver>;
  readonly observer: XdsObserver;
  readonly logger: Logger;
  readonly controlPlane: Buffer;
  /** Ends the call with a gRPC status (used when the first request is refused). */
  readonly fail: (code: number, message: string) => void;
  /** Told once the stream is bound to a group (and its credential known). */
  readonly bound?: (stream: XdsStream) => void;
}

/**
 * What SotW and delta streams share: binding to a proxy group on the first request, watching
 * its snapshot, and a flush loop that honours transport backpressure and make-before-break.
 *
 * Responses are always computed from the latest snapshot at the moment the transport can take
 * them, so a slow client coalesces intermediate versions instead of queueing them: a stream
 * holds at most one unsent decision per type, whatever the rate of change.
 */
export abstract class XdsStream {
  protected snapshot?: Snapshot;
  private unwatch?: () => void;
  private blocked = false;
  private flushScheduled = false;
  private closed = false;
  private nonceCounter = 0;
  private warnedTypes = new Set<string>();
  /**
   * Set when a new snapshot arrives: removals wait until every type the proxy subscribes to has
   * been pushed and answered, so nothing is withdrawn while something the proxy holds refers to it.
   */
  protected holdRemovals = false;
  /**
   * Per type, the inputs of the last buildResponse that found nothing to send. Until one of them
   * moves (a new snapshot, the removal hold, or the subscription: see requestChanged) the answer
   * stays "nothing", so a flush skips the type instead of re-deciding over every resource. With
   * thousands of resources per type, that re-deciding on every ACK dominated a sync.
   */
  private readonly quiet = new Map<ResourceTypeUrl, { snapshot: Snapshot; holdRemovals: boolean }>();

  constructor(
    readonly info: StreamInfo,
    protected readonly deps: StreamDeps,
    private readonly sink: ResponseSink,
    /** Set for per-type services (CDS, EDS, …): the only type this stream carries. */
    protected readonly fixedType?: ResourceTypeUrl,
  ) {}

  /** Returns false if the request was refused and the stream is ending. */
  protected bindNode(node: Node__Output | null | undefined): boolean {
    if (this.info.group !== undefined) return true;
    if (!node || (!node.id && !node.cluster)) {
      this.reject('no_node', 'the first request on a stream must carry node (id or cluster)');
      this.deps.fail(3 /* INVALID_ARGUMENT */, 'the first request on a stream must carry node');
      return false;
    }
    this.info.node = node;
    const resolved = this.deps.resolveGroup(node, this.info);
    if ('error' in resolved) {
      this.reject(resolved.error.code === 16 /* UNAUTHENTICATED */ ? 'unauthenticated' : 'permission_denied', resolved.error.message);
      this.deps.fail(resolved.error.code, resolved.error.message);
      return false;
    }
    this.info.group = resolved.group;
    this.info.credential = resolved.credential;
    this.deps.bound?.(this);
    // A reconnecting delta client may hold resources that are gone; like any removal, they are
    // withdrawn only after the first push is answered.
    this.holdRemovals = true;
    this.deps.logger.info(
      { stream: this.info.id, node: node.id, cluster: node.cluster, group: resolved.group, protocol: this.info.protocol },
      'xds stream bound',
    );
    this.snapshot = this.deps.cache.getSnapshot(resolved.group);
    this.unwatch = this.deps.cache.watch(resolved.group, (s) => {
      this.snapshot = s;
      this.holdRemovals = true;
      this.scheduleFlush();
    });
    // The demand handler may have published synchronously inside watch().
    this.snapshot ??= this.deps.cache.getSnapshot(resolved.group);
    return true;
  }

  /** Resolves the type a request is about; undefined (and logged once) for types we do not serve. */
  protected requestType(typeUrl: string): ResourceTypeUrl | undefined {
    const effective = typeUrl || this.fixedType || '';
    if (this.fixedType && effective !== this.fixedType) {
      this.reject('type_mismatch', `type_url ${effective} on a ${this.info.service} stream`);
      return undefined;
    }
    if (!isKnownTypeUrl(effective)) {
      if (!this.warnedTypes.has(effective)) {
        this.warnedTypes.add(effective);
        this.reject('unknown_type', `unsupported type_url "${effective}"; requests for it are ignored`);
      }
      return undefined;
    }
    return effective;
  }

  protected reject(reason: RejectReason, detail: string): void {
    this.deps.logger.warn({ stream: this.info.id, node: this.info.node?.id, reason }, detail);
    this.deps.observer.requestRejected?.(this.info, reason, detail);
  }

  /**
   * Change-to-ACK time, for pushes carrying a change made while this stream was open; a proxy's
   * initial sync carries old changes, whose age says nothing about convergence.
   */
  protected convergenceMs(changedAt: number | undefined): number | undefined {
    if (changedAt === undefined || changedAt < this.info.openedAt) return undefined;
    return Date.now() - changedAt;
  }

  /**
   * A subscribed name as the snapshot's own string when it has one: a sidecar's EDS request names
   * every cluster it holds, and thousands of streams each keeping their own copies of the same
   * thousand names would cost more memory than the resources themselves.
   */
  protected sharedName(typeUrl: ResourceTypeUrl, name: string): string {
    return this.snapshot?.resources(typeUrl).get(name)?.name ?? name;
  }

  /** A request changed what buildResponse would decide for its type (subscription, NACK, a first request). */
  protected requestChanged(typeUrl: ResourceTypeUrl): void {
    this.quiet.delete(typeUrl);
  }

  protected nextNonce(): string {
    return (++this.nonceCounter).toString(36);
  }

  scheduleFlush(): void {
    if (this.flushScheduled || this.closed) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      this.flush();
    });
  }

  onDrain(): void {
    this.blocked = false;
    this.scheduleFlush();
  }

  private flush(): void {
    if (this.closed || this.blocked || !this.snapshot) return;
    let sentAny = false;
    for (const typeUrl of PUSH_ORDER) {
      const quiet = this.quiet.get(typeUrl);
      if (quiet && quiet.snapshot === this.snapshot && quiet.holdRemovals === this.holdRemovals) continue;
      const response = this.buildResponse(typeUrl, this.snapshot);
      if (!response) {
        this.quiet.set(typeUrl, { snapshot: this.snapshot, holdRemovals: this.holdRemovals });
        continue;
      }
      this.quiet.delete(typeUrl);
      sentAny = true;
      if (!this.sink.write(response)) {
        this.blocked = true;
        return;
      }
    }
    if (!sentAny && this.holdRemovals && !this.anyPendingAck()) {
      this.holdRemovals = false;
      this.flush();
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.unwatch?.();
    this.deps.observer.streamClosed?.(this.info);
  }

  /** The group snapshot the stream follows now (undefined before its group is built). */
  get currentSnapshot(): Snapshot | undefined {
    return this.snapshot;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  status(): StreamStatus {
    const node = this.info.node;
    return {
      id: this.info.id,
      protocol: this.info.protocol,
      service: this.info.service,
      peer: this.info.peer,
      openedAt: this.info.openedAt,
      nodeId: node?.id,
      nodeCluster: node?.cluster,
      userAgent: node ? `${node.user_agent_name}${node.user_agent_version ? `/${node.user_agent_version}` : ''}` : undefined,
      ...(node && node.client_features.length > 0 && { clientFeatures: [...node.client_features] }),
      group: this.info.group,
      authenticated: this.info.credential !== undefined,
      types: this.typeStatuses(),
    };
  }

  /** Builds (and records as sent) the next response for a type, or undefined if none is due. */
  protected abstract buildResponse(typeUrl: ResourceTypeUrl, snapshot: Snapshot): Buffer | undefined;
  protected abstract anyPendingAck(): boolean;
  /** Resource names the stream subscribes to, over every type (for the per-stream limit). */
  abstract subscribedNameCount(): number;
  protected abstract typeStatuses(): TypeSyncStatus[];
  abstract sentResources(): SentResources;
  /** What the proxy refused in its latest NACK per type, where the protocol keeps it (SotW). */
  rejectedResources(): SentResources {
    return new Map();
  }
}
