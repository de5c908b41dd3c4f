import { namesFromBytes, type SotwDiscoveryRequest } from './sotw-request';
import { isFullStateType, type ResourceTypeUrl } from '../proto/type-urls';
import type { EncodedResource } from './encoded-resource';
import { setVersion, type Snapshot, type TypeChange } from './snapshot';
import { XdsStream } from './stream-base';
import { newSubscriptionState, syncStatus, type SentResources, type TypeSubscriptionState, type TypeSyncStatus } from './stream-status';
import { encodeDiscoveryResponse } from './wire';

interface SotwTypeState extends TypeSubscriptionState {
  /** What the last response carried; the proxy holds it unless it NACKed. Possibly a snapshot's own map: never mutated. */
  sent: ReadonlyMap<string, EncodedResource>;
  /** What the proxy last ACKed: where a NACK leaves it. */
  acked: ReadonlyMap<string, EncodedResource>;
  /** What the last NACKed response carried. */
  rejected?: ReadonlyMap<string, EncodedResource>;
  sentChangedAt?: number;
  pendingAck: boolean;
  /** version_info of a first request on this stream: what a reconnecting proxy already holds. */
  heldVersion?: string;
  /** The names of the last request, as sent: an ACK repeating them changes nothing. */
  lastRequestNames?: readonly string[];
  /** Their bytes, when the request kept them as bytes. */
  lastNamesBytes?: Buffer;
  /** Whether `names` covered every name of `map` (a named subscription to everything, e.g. Envoy's EDS). */
  coverage?: { names: ReadonlySet<string>; map: ReadonlyMap<string, EncodedResource>; covers: boolean };
}

function sameList(a: readonly string[] | undefined, b: readonly string[]): boolean {
  if (!a || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function sameNames(a: ReadonlySet<string>, b: ReadonlySet<string>): boolean {
  if (a.size !== b.size) return false;
  for (const n of a) if (!b.has(n)) return false;
  return true;
}

function newTypeState(): SotwTypeState {
  return { ...newSubscriptionState(), sent: new Map(), acked: new Map(), pendingAck: false };
}

/**
 * State-of-the-World xDS: each response carries a type's whole answer; ACK and NACK are told
 * apart by error_detail and matched to the response by nonce.
 */
export class SotwStream extends XdsStream {
  private readonly types = new Map<ResourceTypeUrl, SotwTypeState>();

  subscribedNameCount(): number {
    let n = 0;
    for (const st of this.types.values()) n += st.names.size;
    return n;
  }

  onRequest(req: SotwDiscoveryRequest): void {
    if (!this.bindNode(req.node)) return;
    const typeUrl = this.requestType(req.type_url);
    if (!typeUrl) return;
    let st = this.types.get(typeUrl);
    if (!st) {
      st = newTypeState();
      this.types.set(typeUrl, st);
    }

    // A nonce from before this stream (a client reconnecting) answers nothing we sent: treat the
    // request as the first for its type.
    if (req.response_nonce && st.sentNonce !== undefined) {
      // A request answering anything but our latest response for this type speaks of a state
      // that has already moved on; its resource_names may be stale too, so it is ignored whole.
      if (req.response_nonce !== st.sentNonce) {
        this.reject('stale_nonce', `${typeUrl}: nonce ${req.response_nonce} is not the latest (${st.sentNonce ?? 'none'})`);
        return;
      }
      st.pendingAck = false;
      if (req.error_detail && (req.error_detail.code !== 0 || req.error_detail.message)) {
        const message = req.error_detail.message || `code ${req.error_detail.code}`;
        st.lastNack = { version: st.sentVersion ?? '', message, at: Date.now() };
        // Kept so CSDS and `explain --nack` can name what was refused, not only that something was.
        st.rejected = st.sent;
        st.sent = new Map(st.acked);
        this.requestChanged(typeUrl);
        this.deps.logger.warn({ stream: this.info.id, node: this.info.node?.id, typeUrl, version: st.sentVersion }, `NACK: ${message}`);
        this.deps.observer.nackReceived?.(this.info, typeUrl, st.sentVersion ?? '', message);
      } else {
        st.acked = st.sent;
        st.ackedVersion = req.version_info;
        const convergence = this.convergenceMs(st.sentChangedAt);
        this.deps.observer.ackReceived?.(this.info, typeUrl, req.version_info, convergence);
      }
    } else {
      st.mustRespond = true;
      this.requestChanged(typeUrl);
      // A proxy reconnecting (to this or another replica) names the version it last ACKed.
      if (st.sentVersion === undefined && req.version_info) st.heldVersion = req.version_info;
    }

    const names = this.requestNames(st, req);
    const wasWildcard = st.wildcard;
    if (!st.subscribed) {
      // Legacy wildcard: a first request with no names asks for everything.
      st.wildcard = names.length === 0 || names.includes('*');
    } else {
      st.wildcard = names.includes('*') || (st.wildcard && names.length === 0);
    }
    st.subscribed = true;
    // Envoy's every EDS ACK repeats all its cluster names; the same list as last time is no change.
    const repeated = st.wildcard === wasWildcard && (names === st.lastRequestNames || sameList(st.lastRequestNames, names));
    st.lastRequestNames = names;
    if (!repeated) {
      const next = new Set(names.filter((n) => n !== '*'));
      if (st.wildcard !== wasWildcard || !sameNames(st.names, next)) {
        this.requestChanged(typeUrl);
        st.names = new Set([...next].map((n) => this.sharedName(typeUrl, n)));
        // A name asked for again after being dropped must be sent again even if unchanged (xDS
        // protocol), so what the proxy no longer asks for stops counting as held.
        if (!st.wildcard) st.sent = new Map([...st.sent].filter(([name]) => st.names.has(name)));
      }
    }
    this.scheduleFlush();
  }

  /** The request's names; the same array as last time when their bytes are the same (sotw-request.ts). */
  private requestNames(st: SotwTypeState, req: SotwDiscoveryRequest): readonly string[] {
    if (!req.namesBytes) {
      st.lastNamesBytes = undefined;
      return req.resource_names;
    }
    if (st.lastRequestNames && st.lastNamesBytes?.equals(req.namesBytes)) return st.lastRequestNames;
    st.lastNamesBytes = req.namesBytes;
    return namesFromBytes(req.namesBytes);
  }

  protected buildResponse(typeUrl: ResourceTypeUrl, snapshot: Snapshot): Buffer | undefined {
    const st = this.types.get(typeUrl);
    if (!st?.subscribed) return undefined;
    const available = snapshot.resources(typeUrl);
    const fullState = isFullStateType(typeUrl);
    const change = snapshot.change(typeUrl);
    const chosen = this.choose(st, available, fullState, change);
    const whole = chosen === available;
    const version = whole ? snapshot.typeVersion(typeUrl) : setVersion(chosen.values());
    const answersRequest = st.mustRespond && (fullState || st.wildcard || chosen.size > 0);
    // A reconnecting proxy that already holds exactly this answer is not sent it again (versions are
    // content hashes, equal on every replica for equal state): it counts as sent and ACKed.
    const alreadyHeld = st.heldVersion !== undefined && st.sentVersion === undefined && version === st.heldVersion;
    st.heldVersion = undefined;
    if (alreadyHeld && st.mustRespond) {
      st.mustRespond = false;
      st.sent = chosen;
      st.acked = chosen;
      st.sentVersion = version;
      st.ackedVersion = version;
      return undefined;
    }
    // An unchanged answer is not sent again, including one the proxy NACKed: the next push waits for a change.
    if (!answersRequest && version === st.sentVersion) return undefined;

    // Only LDS and CDS are full-state in SotW. For RDS, EDS and SDS a resource left out of a
    // response is unchanged, not removed (xDS protocol; Envoy and gRPC both read it so), so a
    // response carries only what the proxy does not already hold: one changed endpoint set, not
    // every endpoint set the sidecar subscribes to. A stream holding exactly the group's previous
    // set takes the snapshot's own list of what changed.
    const carried = fullState
      ? [...chosen.values()]
      : whole && change && st.sent === change.from
        ? change.changed
        : [...chosen.values()].filter((r) => st.sent.get(r.name)?.version !== r.version);
    if (!fullState && !answersRequest && carried.length === 0) {
      // For RDS, EDS and SDS an omitted name means nothing in SotW, so a response that would only
      // drop names is not worth a round trip; forget them so config dumps stay accurate.
      st.sent = new Map([...st.sent].filter(([name]) => chosen.has(name)));
      return undefined;
    }

    const nonce = this.nextNonce();
    st.mustRespond = false;
    st.sent = chosen;
    st.sentVersion = version;
    st.sentNonce = nonce;
    st.sentChangedAt = snapshot.changedAt;
    st.pendingAck = true;
    const bytes = encodeDiscoveryResponse({
      versionInfo: version,
      typeUrl,
      nonce,
      resourceEntries: carried.map((r) => r.sotwEntry),
      controlPlane: this.deps.controlPlane,
    });
    this.deps.observer.responseSent?.(this.info, typeUrl, version, bytes.length, carried.length, 0);
    return bytes;
  }

  /**
   * The resources a response carries. When that is the snapshot's whole set for the type (a
   * wildcard, or names covering everything, with nothing held back for make-before-break) the
   * snapshot's own map is returned as is: no copy, and its version is already computed.
   */
  private choose(
    st: SotwTypeState,
    available: ReadonlyMap<string, EncodedResource>,
    fullState: boolean,
    change: TypeChange | undefined,
  ): ReadonlyMap<string, EncodedResource> {
    const holding = fullState && this.holdRemovals;
    const covers = st.wildcard || this.namesCover(st, available, change);
    if (covers && (!holding || [...st.sent.keys()].every((n) => available.has(n)))) return available;
    const chosen = new Map<string, EncodedResource>();
    if (st.wildcard) for (const [name, r] of available) chosen.set(name, r);
    for (const name of st.names) {
      const r = available.get(name);
      if (r) chosen.set(name, r);
    }
    if (holding) {
      // Make-before-break: keep what the proxy holds until the rest of the push is answered.
      for (const [name, r] of st.sent) if (!chosen.has(name) && (st.wildcard || st.names.has(name))) chosen.set(name, r);
    }
    return chosen;
  }

  /** Whether the named subscription covers every name in `available`; remembered while neither changes its names. */
  private namesCover(st: SotwTypeState, available: ReadonlyMap<string, EncodedResource>, change: TypeChange | undefined): boolean {
    const known = st.coverage;
    if (known && known.names === st.names && (known.map === available || (change?.sameNames && known.map === change.from))) {
      st.coverage = { ...known, map: available };
      return known.covers;
    }
    const covers = st.names.size >= available.size && [...available.keys()].every((n) => st.names.has(n));
    st.coverage = { names: st.names, map: available, covers };
    return covers;
  }

  protected anyPendingAck(): boolean {
    for (const st of this.types.values()) if (st.pendingAck) return true;
    return false;
  }

  protected typeStatuses(): TypeSyncStatus[] {
    return [...this.types].map(([typeUrl, st]) => syncStatus(typeUrl, st, st.pendingAck, st.sent.size));
  }

  override rejectedResources(): SentResources {
    const out = new Map<string, EncodedResource[]>();
    for (const [typeUrl, st] of this.types) if (st.rejected && st.lastNack) out.set(typeUrl, [...st.rejected.values()]);
    return out;
  }

  sentResources(): SentResources {
    return new Map([...this.types].map(([typeUrl, st]) => [typeUrl, [...st.sent.values()]]));
  }
}
