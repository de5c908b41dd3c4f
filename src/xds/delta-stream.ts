import type { DeltaDiscoveryRequest__Output } from '../generated/envoy/service/discovery/v3/DeltaDiscoveryRequest';
import type { ResourceTypeUrl } from '../proto/type-urls';
import type { EncodedResource } from './encoded-resource';
import type { Snapshot } from './snapshot';
import { XdsStream } from './stream-base';
import { newSubscriptionState, syncStatus, type SentResources, type TypeSubscriptionState, type TypeSyncStatus } from './stream-status';
import { encodeDeltaDiscoveryResponse } from './wire';

/** What the proxy holds of one resource: a version, and the resource itself when we sent it. */
interface Held {
  version: string;
  resource?: EncodedResource;
}

interface PendingResponse {
  /** For each name the response touched, what the proxy held before (undefined: nothing). */
  previous: Map<string, Held | undefined>;
  changedAt: number;
  version: string;
}

const MAX_PENDING_PER_TYPE = 32;

interface DeltaTypeState extends TypeSubscriptionState {
  held: Map<string, Held>;
  /** Versions the proxy NACKed, by name: not offered again until the resource changes. */
  rejected: Map<string, string>;
  /** The resources the latest NACKed response offered (for CSDS and `explain --nack`). */
  lastRejected?: EncodedResource[];
  pending: Map<string, PendingResponse>;
  /**
   * The snapshot map this stream's held resources last matched in full (nothing rejected, no
   * removal held back). When the next snapshot's change record starts from it, only the changed
   * entries need looking at.
   */
  syncedTo?: ReadonlyMap<string, EncodedResource>;
}

/**
 * Incremental (delta) xDS: responses carry only what changed and name what was removed; the
 * client's initial_resource_versions let a reconnecting proxy skip what it already has.
 */
export class DeltaStream extends XdsStream {
  private readonly types = new Map<ResourceTypeUrl, DeltaTypeState>();

  subscribedNameCount(): number {
    let n = 0;
    for (const st of this.types.values()) n += st.names.size;
    return n;
  }

  onRequest(req: DeltaDiscoveryRequest__Output): void {
    if (!this.bindNode(req.node)) return;
    const typeUrl = this.requestType(req.type_url);
    if (!typeUrl) return;
    let st = this.types.get(typeUrl);
    if (!st) {
      st = { ...newSubscriptionState(), held: new Map(), rejected: new Map(), pending: new Map() };
      this.types.set(typeUrl, st);
    }

    if (!st.subscribed) {
      st.subscribed = true;
      st.mustRespond = true;
      st.syncedTo = undefined;
      this.requestChanged(typeUrl);
      st.wildcard = req.resource_names_subscribe.length === 0;
      for (const [name, version] of Object.entries(req.initial_resource_versions ?? {})) st.held.set(name, { version });
    }

    if (req.response_nonce) {
      const pending = st.pending.get(req.response_nonce);
      if (!pending) {
        // Subscription changes in the same request are still honoured below: in delta they are
        // increments, never a stale full list.
        this.reject('stale_nonce', `${typeUrl}: nonce ${req.response_nonce} is unknown or already answered`);
      } else {
        st.pending.delete(req.response_nonce);
        if (req.error_detail && (req.error_detail.code !== 0 || req.error_detail.message)) {
          const message = req.error_detail.message || `code ${req.error_detail.code}`;
          st.lastRejected = [];
          for (const [name, before] of pending.previous) {
            const offered = st.held.get(name);
            if (offered) st.rejected.set(name, offered.version);
            if (offered?.resource) st.lastRejected.push(offered.resource);
            if (before) st.held.set(name, before);
            else st.held.delete(name);
          }
          st.lastNack = { version: pending.version, message, at: Date.now() };
          st.syncedTo = undefined;
          this.requestChanged(typeUrl);
          this.deps.logger.warn({ stream: this.info.id, node: this.info.node?.id, typeUrl, version: pending.version }, `NACK: ${message}`);
          this.deps.observer.nackReceived?.(this.info, typeUrl, pending.version, message);
        } else {
          st.ackedVersion = pending.version;
          this.deps.observer.ackReceived?.(this.info, typeUrl, pending.version, this.convergenceMs(pending.changedAt));
        }
      }
    }

    if (req.resource_names_subscribe.length > 0 || req.resource_names_unsubscribe.length > 0) {
      st.syncedTo = undefined;
      this.requestChanged(typeUrl);
    }
    for (const name of req.resource_names_subscribe) {
      if (name === '*') st.wildcard = true;
      else st.names.add(this.sharedName(typeUrl, name));
    }
    for (const name of req.resource_names_unsubscribe) {
      if (name === '*') st.wildcard = false;
      else {
        st.names.delete(name);
        // The client forgets an unsubscribed resource itself; no removal is owed for it.
        if (!st.wildcard) st.held.delete(name);
      }
    }
    this.scheduleFlush();
  }

  protected buildResponse(typeUrl: ResourceTypeUrl, snapshot: Snapshot): Buffer | undefined {
    const st = this.types.get(typeUrl);
    if (!st?.subscribed) return undefined;
    const available = snapshot.resources(typeUrl);
    const wanted = (name: string) => st.wildcard || st.names.has(name);

    const change = snapshot.change(typeUrl);
    const updates: EncodedResource[] = [];
    const removals: string[] = [];
    if (change && st.syncedTo === change.from) {
      // In step with the group's previous set: only its changes can be owed.
      for (const r of change.changed) if (wanted(r.name) && st.held.get(r.name)?.version !== r.version) updates.push(r);
      if (!this.holdRemovals && !change.sameNames) for (const name of change.from.keys()) if (!available.has(name) && st.held.has(name)) removals.push(name);
    } else {
      for (const [name, r] of available) {
        if (!wanted(name)) continue;
        if (st.held.get(name)?.version === r.version || st.rejected.get(name) === r.version) continue;
        updates.push(r);
      }
      if (!this.holdRemovals) for (const name of st.held.keys()) if (!available.has(name)) removals.push(name);
    }
    st.syncedTo = !this.holdRemovals && st.rejected.size === 0 ? available : undefined;
    const answersRequest = st.mustRespond && st.wildcard;
    st.mustRespond = false;
    if (updates.length === 0 && removals.length === 0 && !answersRequest) return undefined;

    const nonce = this.nextNonce();
    const previous = new Map<string, Held | undefined>();
    for (const r of updates) {
      previous.set(r.name, st.held.get(r.name));
      st.held.set(r.name, { version: r.version, resource: r });
      st.rejected.delete(r.name);
    }
    for (const name of removals) {
      previous.set(name, st.held.get(name));
      st.held.delete(name);
    }
    st.pending.set(nonce, { previous, changedAt: snapshot.changedAt, version: snapshot.version });
    // A client that never answers must not grow this map without bound; the oldest unanswered
    // responses are forgotten (their ACK would then count as stale, which is harmless).
    if (st.pending.size > MAX_PENDING_PER_TYPE) st.pending.delete(st.pending.keys().next().value as string);
    st.sentVersion = snapshot.version;
    st.sentNonce = nonce;
    const bytes = encodeDeltaDiscoveryResponse({
      systemVersionInfo: snapshot.version,
      typeUrl,
      nonce,
      resourceEntries: updates.map((r) => r.deltaEntry),
      removedResources: removals,
      controlPlane: this.deps.controlPlane,
    });
    this.deps.observer.responseSent?.(this.info, typeUrl, snapshot.version, bytes.length, updates.length, removals.length);
    return bytes;
  }

  protected anyPendingAck(): boolean {
    for (const st of this.types.values()) if (st.pending.size > 0) return true;
    return false;
  }

  protected typeStatuses(): TypeSyncStatus[] {
    return [...this.types].map(([typeUrl, st]) => syncStatus(typeUrl, st, st.pending.size > 0, st.held.size));
  }

  override rejectedResources(): SentResources {
    const out = new Map<string, EncodedResource[]>();
    for (const [typeUrl, st] of this.types) if (st.lastRejected && st.lastNack) out.set(typeUrl, st.lastRejected);
    return out;
  }

  sentResources(): SentResources {
    return new Map([...this.types].map(([typeUrl, st]) => [typeUrl, [...st.held.values()].flatMap((h) => (h.resource ? [h.resource] : []))]));
  }
}
