// One simulated proxy: an ADS stream over raw HTTP/2 (gRPC framing by hand) that subscribes and
// ACKs the way Envoy or a proxyless gRPC client does, and counts what it sees. It never decodes
// whole resources: only the names it must subscribe to next (see dependent-names.ts).
import * as http2 from 'node:http2';
import { performance } from 'node:perf_hooks';
import { clusterNamesOf, edsNameOf, routeNamesOf } from './dependent-names';
import { decodeDeltaResponse, decodeSotwResponse, encodeDeltaRequest, encodeSotwRequest, type NodeInfo, type ResourceRef } from './envelopes';
import { TypeUrl } from '../../src/proto/type-urls';
import { forEachField } from './protowire';

export const CDS: string = TypeUrl.Cluster;
export const EDS: string = TypeUrl.ClusterLoadAssignment;
export const LDS: string = TypeUrl.Listener;
export const RDS: string = TypeUrl.RouteConfiguration;

const SOTW_PATH = '/envoy.service.discovery.v3.AggregatedDiscoveryService/StreamAggregatedResources';
const DELTA_PATH = '/envoy.service.discovery.v3.AggregatedDiscoveryService/DeltaAggregatedResources';

export type StreamMode = 'sotw' | 'delta';
/**
 * `envoy`: wildcard CDS, then EDS for its EDS clusters; wildcard LDS once clusters are in, then
 * RDS for the listeners' route configurations. `grpc`: LDS for named listeners (xds:///name),
 * then RDS, CDS and EDS by name, as a proxyless gRPC client does.
 */
export type ProxyShape = 'envoy' | 'grpc';

export interface SimulatedProxyOptions {
  node: NodeInfo;
  mode: StreamMode;
  shape: ProxyShape;
  /** For `grpc`: the listeners (target services) it resolves. */
  listeners?: readonly string[];
  /** Sent as `authorization: Bearer <token>`. */
  token?: string;
  /** Returns an error message to NACK a response with; undefined ACKs it. */
  nack?: (typeUrl: string, version: string, count: number) => string | undefined;
}

interface TypeState {
  /** undefined: not subscribed; 'wildcard'; or the names asked for. */
  subscription?: 'wildcard' | Set<string>;
  /** Whether the last accepted response (SotW) or everything held (delta) covers the subscription. */
  complete: boolean;
  /** SotW, until synced: every name received. */
  seen?: Set<string>;
  /** Delta only: held resources, name → version. */
  held: Map<string, string>;
  /** Delta only: for each held resource, the names it makes the proxy subscribe to. */
  needs: Map<string, string[]>;
  ackedVersion: string;
  lastNonce: string;
  responses: number;
  acks: number;
  nacks: number;
}

export interface ProxyCounters {
  responses: number;
  acks: number;
  nacks: number;
  bytesReceived: number;
  resourcesReceived: number;
}

function sameSet(a: ReadonlySet<string>, b: ReadonlySet<string>): boolean {
  if (a.size !== b.size) return false;
  for (const x of a) if (!b.has(x)) return false;
  return true;
}

// Thousands of proxies hold the same names; one copy of each keeps the generator small.
const names = new Map<string, string>();
function intern(s: string): string {
  const known = names.get(s);
  if (known !== undefined) return known;
  names.set(s, s);
  return s;
}

/** The names a resource makes its holder subscribe to (EDS for a cluster, RDS for a listener, …). */
function namesNeeded(typeUrl: string, shape: ProxyShape, r: ResourceRef): string[] {
  if (typeUrl === CDS) {
    const eds = edsNameOf(r);
    return eds === undefined ? [] : [intern(eds)];
  }
  if (typeUrl === LDS) return routeNamesOf(r).map(intern);
  if (typeUrl === RDS && shape === 'grpc') return clusterNamesOf(r).map(intern);
  return [];
}

function nameOf(r: ResourceRef): string {
  // Every xDS resource type used here keeps its name in field 1.
  let name = '';
  forEachField(
    r.buf,
    (f) => {
      if (f.number !== 1) return false;
      name = r.buf.toString('utf8', f.start, f.end);
      return true;
    },
    r.start,
    r.end,
  );
  return name;
}

export class SimulatedProxy {
  readonly counters: ProxyCounters = { responses: 0, acks: 0, nacks: 0, bytesReceived: 0, resourcesReceived: 0 };
  readonly types = new Map<string, TypeState>();
  /** Times the proxy connected again after its connection failed before it synced. */
  reconnects = 0;
  /** performance.now() when every subscription was first satisfied and ACKed. */
  syncedAt?: number;
  /** performance.now() of the latest ACK. */
  lastAckAt = 0;
  /** Told of every ACK as it is sent (benchmarks time convergence with it). */
  onAck?: (typeUrl: string, at: number) => void;
  error?: Error;
  private stream?: http2.ClientHttp2Stream;
  /** Received bytes not yet parsed into messages, as chunks: joining them only once a message is whole keeps big responses linear. */
  private chunks: Buffer[] = [];
  private buffered = 0;
  private sentNode = false;

  constructor(readonly options: SimulatedProxyOptions) {
    this.reset();
  }

  private reset(): void {
    for (const t of [CDS, EDS, LDS, RDS])
      this.types.set(t, { complete: false, held: new Map(), needs: new Map(), ackedVersion: '', lastNonce: '', responses: 0, acks: 0, nacks: 0 });
    this.chunks = [];
    this.buffered = 0;
    this.sentNode = false;
    this.error = undefined;
  }

  /** Starts over on a new connection, as Envoy does when its xDS connection fails. */
  restart(session: http2.ClientHttp2Session): void {
    this.reconnects++;
    this.stream?.removeAllListeners();
    this.reset();
    this.start(session);
  }

  get synced(): boolean {
    return this.syncedAt !== undefined;
  }

  start(session: http2.ClientHttp2Session): void {
    const headers: http2.OutgoingHttpHeaders = {
      ':method': 'POST',
      ':path': this.options.mode === 'sotw' ? SOTW_PATH : DELTA_PATH,
      'content-type': 'application/grpc',
      te: 'trailers',
    };
    if (this.options.token) headers.authorization = `Bearer ${this.options.token}`;
    const stream = session.request(headers);
    this.stream = stream;
    stream.on('data', (chunk: Buffer) => this.onData(chunk));
    stream.on('trailers', (trailers) => {
      const status = trailers['grpc-status'];
      if (status !== undefined && status !== '0')
        this.error ??= new Error(`stream ended: grpc-status ${String(status)} ${String(trailers['grpc-message'] ?? '')}`);
    });
    stream.on('error', (err) => {
      this.error ??= err;
    });
    if (this.options.shape === 'envoy') this.subscribe(CDS, 'wildcard');
    else this.subscribe(LDS, new Set(this.options.listeners ?? []));
  }

  close(): void {
    this.stream?.close(http2.constants.NGHTTP2_CANCEL);
  }

  private send(message: Buffer): void {
    const frame = Buffer.allocUnsafe(5 + message.length);
    frame[0] = 0;
    frame.writeUInt32BE(message.length, 1);
    message.copy(frame, 5);
    this.stream?.write(frame);
  }

  private onData(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    while (this.buffered >= 5) {
      if (this.chunks[0]!.length < 5) this.join();
      const len = this.chunks[0]!.readUInt32BE(1);
      if (this.buffered < 5 + len) return;
      if (this.chunks[0]!.length < 5 + len) this.join();
      const head = this.chunks[0]!;
      const message = head.subarray(5, 5 + len);
      const rest = head.subarray(5 + len);
      if (rest.length > 0) this.chunks[0] = rest;
      else this.chunks.shift();
      this.buffered -= 5 + len;
      this.counters.bytesReceived += len;
      try {
        if (this.options.mode === 'sotw') this.onSotwResponse(message);
        else this.onDeltaResponse(message);
      } catch (err) {
        this.error ??= err as Error;
        this.close();
      }
    }
  }

  private join(): void {
    this.chunks = [Buffer.concat(this.chunks)];
  }

  /** Subscribes a type to a new set of names (or wildcard); nothing is sent when it is unchanged. */
  private subscribe(typeUrl: string, next: 'wildcard' | Set<string>): void {
    const t = this.types.get(typeUrl)!;
    const before = t.subscription;
    if (next === 'wildcard' ? before === 'wildcard' : before instanceof Set && sameSet(before, next)) return;
    if (next !== 'wildcard' && next.size === 0 && before === undefined) return;
    t.subscription = next;
    const node = this.sentNode ? undefined : this.options.node;
    this.sentNode = true;
    if (this.options.mode === 'sotw') {
      this.send(
        encodeSotwRequest({ node, typeUrl, versionInfo: t.ackedVersion, responseNonce: t.lastNonce, resourceNames: next === 'wildcard' ? [] : [...next] }),
      );
    } else {
      const old = before instanceof Set ? before : new Set<string>();
      const subscribe = next === 'wildcard' ? [] : [...next].filter((n) => !old.has(n));
      const unsubscribe = next === 'wildcard' ? [] : [...old].filter((n) => !next.has(n));
      if (before !== undefined && subscribe.length === 0 && unsubscribe.length === 0) return;
      this.send(encodeDeltaRequest({ node, typeUrl, subscribe, unsubscribe }));
    }
  }

  private decideNack(typeUrl: string, version: string): string | undefined {
    const t = this.types.get(typeUrl)!;
    return this.options.nack?.(typeUrl, version, t.responses);
  }

  private onSotwResponse(message: Buffer): void {
    const r = decodeSotwResponse(message);
    const t = this.types.get(r.typeUrl);
    if (!t) throw new Error(`response for a type never asked for: ${r.typeUrl}`);
    t.responses++;
    this.counters.responses++;
    this.counters.resourcesReceived += r.resources.length;
    const names = t.subscription === 'wildcard' ? [] : [...(t.subscription ?? [])];
    const error = this.decideNack(r.typeUrl, r.versionInfo);
    if (error !== undefined) {
      t.lastNonce = r.nonce;
      t.nacks++;
      this.counters.nacks++;
      this.send(encodeSotwRequest({ typeUrl: r.typeUrl, versionInfo: t.ackedVersion, responseNonce: r.nonce, resourceNames: names, errorMessage: error }));
      return;
    }
    // Only LDS and CDS responses are whole sets; for EDS and RDS a response carries what changed
    // and the proxy keeps the rest, so completeness is judged on every name received. Reading
    // names matters only until the proxy is synced.
    if (t.subscription instanceof Set && this.syncedAt === undefined) {
      t.seen ??= new Set();
      const seen = t.seen;
      for (const res of r.resources) seen.add(intern(nameOf(res)));
      t.complete = [...t.subscription].every((n) => seen.has(n));
    } else if (!(t.subscription instanceof Set)) {
      t.complete = true;
    }
    t.ackedVersion = r.versionInfo;
    t.lastNonce = r.nonce;
    const needed = () => r.resources.flatMap((res) => namesNeeded(r.typeUrl, this.options.shape, res));
    // Envoy subscribes to what a response needs before it ACKs it (its ADS mux is paused while
    // the update applies); gRPC ACKs first. Either way the server sees both requests.
    if (this.options.shape === 'envoy') this.followDependencies(r.typeUrl, needed());
    this.ack(r.typeUrl, t, () =>
      this.send(encodeSotwRequest({ typeUrl: r.typeUrl, versionInfo: r.versionInfo, responseNonce: r.nonce, resourceNames: names })),
    );
    if (this.options.shape === 'grpc') this.followDependencies(r.typeUrl, needed());
    this.afterAck();
  }

  private onDeltaResponse(message: Buffer): void {
    const r = decodeDeltaResponse(message);
    const t = this.types.get(r.typeUrl);
    if (!t) throw new Error(`response for a type never asked for: ${r.typeUrl}`);
    t.responses++;
    this.counters.responses++;
    this.counters.resourcesReceived += r.resources.length;
    const error = this.decideNack(r.typeUrl, r.systemVersionInfo);
    if (error !== undefined) {
      t.nacks++;
      this.counters.nacks++;
      this.send(encodeDeltaRequest({ typeUrl: r.typeUrl, responseNonce: r.nonce, errorMessage: error }));
      return;
    }
    // A delta carries only what changed: keep each held resource's version and the names it
    // needs, so completeness and dependencies are judged on everything held.
    for (const res of r.resources) {
      const name = intern(res.name);
      t.held.set(name, intern(res.version));
      const needs = namesNeeded(r.typeUrl, this.options.shape, res.value);
      if (needs.length > 0) t.needs.set(name, needs);
      else t.needs.delete(name);
    }
    for (const name of r.removed) {
      t.held.delete(name);
      t.needs.delete(name);
    }
    t.complete = t.subscription instanceof Set ? [...t.subscription].every((n) => t.held.has(n)) : true;
    t.lastNonce = r.nonce;
    const needed = () => [...t.needs.values()].flat();
    if (this.options.shape === 'envoy') this.followDependencies(r.typeUrl, needed());
    this.ack(r.typeUrl, t, () => this.send(encodeDeltaRequest({ typeUrl: r.typeUrl, responseNonce: r.nonce })));
    if (this.options.shape === 'grpc') this.followDependencies(r.typeUrl, needed());
    this.afterAck();
  }

  private ack(typeUrl: string, t: TypeState, send: () => void): void {
    send();
    t.acks++;
    this.counters.acks++;
    this.lastAckAt = performance.now();
    this.onAck?.(typeUrl, this.lastAckAt);
  }

  private followDependencies(typeUrl: string, names: readonly string[]): void {
    const next = new Set(names);
    if (typeUrl === CDS) this.subscribe(EDS, next);
    else if (typeUrl === LDS) this.subscribe(RDS, next);
    else if (typeUrl === RDS && this.options.shape === 'grpc') this.subscribe(CDS, next);
  }

  private afterAck(): void {
    // Envoy initialises listeners only once its clusters are warm (CDS and their EDS in).
    if (this.options.shape === 'envoy' && this.types.get(LDS)!.subscription === undefined && this.satisfied(CDS) && this.satisfied(EDS)) {
      this.subscribe(LDS, 'wildcard');
    }
    if (this.syncedAt === undefined && [CDS, EDS, LDS, RDS].every((t) => this.satisfied(t)) && this.types.get(LDS)!.subscription !== undefined) {
      this.syncedAt = performance.now();
      for (const t of this.types.values()) t.seen = undefined;
    }
  }

  /** A type is satisfied when it is not subscribed, or has an ACKed response holding every name asked for. */
  private satisfied(typeUrl: string): boolean {
    const t = this.types.get(typeUrl)!;
    if (t.subscription === undefined) return true;
    if (t.subscription !== 'wildcard' && t.subscription.size === 0) return true;
    return t.acks > 0 && t.complete;
  }
}
