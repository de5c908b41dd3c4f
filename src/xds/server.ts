import * as grpc from '@grpc/grpc-js';
import pino, { type Logger } from 'pino';
import { DeltaStream } from './delta-stream';
import { DISCOVERY_SERVICES, isMalformed, requestNameCount, type DeltaRequest, type DiscoveryServiceSpec, type SotwRequest } from './grpc-services';
import type { StreamInfo, StreamProtocol, XdsObserver } from './observer';
import type { SnapshotCache } from './snapshot-cache';
import { SotwStream } from './sotw-stream';
import type { GroupResolver, StreamDeps, XdsStream } from './stream-base';
import type { StreamStatus } from './stream-status';
import { proxyReadiness, type ProxyReadiness } from './readiness';
import { DiscoveryResponseField, DeltaResponseField, encodeControlPlane } from './wire';

export interface XdsServerOptions {
  readonly cache: SnapshotCache;
  readonly resolveGroup: GroupResolver;
  readonly observer?: XdsObserver;
  readonly logger?: Logger;
  /** Sent as control_plane.identifier in every response, so proxies' config dumps name us. */
  readonly controlPlaneId?: string;
  /** What one client may cost the server; each refusal names its limit (and flag) to the client. */
  readonly limits?: Partial<XdsLimits>;
  /**
   * Streams are ended (UNAVAILABLE, and the proxy reconnects) after about this long, so load
   * rebalances across replicas and no stream outlives a policy decision indefinitely. 0: never.
   */
  readonly maxConnectionAgeMs?: number;
  /** Told each time a limit refuses something (for the metric). */
  readonly onLimit?: (limit: XdsLimitName) => void;
}

export interface XdsLimits {
  /** Open streams on this server, all connections together. */
  readonly maxStreams: number;
  /** Open streams on one HTTP/2 connection. */
  readonly maxStreamsPerConnection: number;
  /** Bytes in one request message. */
  readonly maxRequestBytes: number;
  /** Resource names one request may subscribe to or name. */
  readonly maxNamesPerRequest: number;
  /** Resource names one stream may hold subscriptions to, over every type. */
  readonly maxNamesPerStream: number;
}

export type XdsLimitName = 'streams' | 'streams_per_connection' | 'request_bytes' | 'names_per_request' | 'names_per_stream';

/** Room for the largest real proxies (Envoy in a mesh of thousands of services) with a wide margin. */
export const DEFAULT_XDS_LIMITS: XdsLimits = {
  maxStreams: 20_000,
  maxStreamsPerConnection: 100,
  maxRequestBytes: 4 * 1024 * 1024,
  maxNamesPerRequest: 10_000,
  maxNamesPerStream: 50_000,
};

/** The flag that raises each limit, named in the error a client gets. */
const LIMIT_FLAGS: Record<XdsLimitName, string> = {
  streams: '--xds-max-streams',
  streams_per_connection: '--xds-max-streams-per-connection',
  request_bytes: '--xds-max-request-bytes',
  names_per_request: '--xds-max-names-per-request',
  names_per_stream: '--xds-max-names-per-stream',
};

/** Keepalives find vanished clients (a closed laptop, a killed pod) so their streams are released. */
function serverChannelOptions(limits: XdsLimits): grpc.ChannelOptions {
  return {
    'grpc.keepalive_time_ms': 30_000,
    'grpc.keepalive_timeout_ms': 10_000,
    'grpc.keepalive_permit_without_calls': 1,
    'grpc.http2.min_ping_interval_without_data_ms': 5_000,
    // The request size limit is enforced in the decoder (so it is counted and explained); gRPC's
    // own, which refuses without telling us, is only a backstop against buffering huge messages.
    'grpc.max_receive_message_length': Math.max(2 * limits.maxRequestBytes, limits.maxRequestBytes + 1024 * 1024),
    'grpc.max_send_message_length': -1,
    // Likewise a backstop: per-connection streams are counted in serve(), where a refusal is explained.
    'grpc.max_concurrent_streams': limits.maxStreamsPerConnection + 16,
  };
}

/**
 * The gRPC face of the cache: ADS and per-type discovery services, State-of-the-World and
 * delta. It knows nothing of where resources come from.
 */
export class XdsServer {
  private readonly server: grpc.Server;
  private readonly active = new Map<number, { stream: XdsStream; call: grpc.ServerDuplexStream<unknown, Buffer> }>();
  /** Open streams per connection (the peer address and port name one TCP connection). */
  private readonly perConnection = new Map<string, number>();
  readonly limits: XdsLimits;
  private readonly logger: Logger;
  private readonly observer: XdsObserver;
  private readonly sotwControlPlane: Buffer;
  private readonly deltaControlPlane: Buffer;
  private nextStreamId = 1;

  constructor(private readonly options: XdsServerOptions) {
    this.logger = options.logger ?? pino({ level: 'silent' });
    this.limits = { ...DEFAULT_XDS_LIMITS, ...options.limits };
    this.server = new grpc.Server(serverChannelOptions(this.limits));
    this.observer = options.observer ?? {};
    const id = options.controlPlaneId ?? 'switchyard';
    this.sotwControlPlane = encodeControlPlane(DiscoveryResponseField.controlPlane, id);
    this.deltaControlPlane = encodeControlPlane(DeltaResponseField.controlPlane, id);
    for (const service of DISCOVERY_SERVICES(this.limits.maxRequestBytes)) {
      this.server.addService(service.definition, {
        [service.sotwMethod]: (call: grpc.ServerDuplexStream<SotwRequest, Buffer>) => this.serve(service, 'sotw', call),
        [service.deltaMethod]: (call: grpc.ServerDuplexStream<DeltaRequest, Buffer>) => this.serve(service, 'delta', call),
      });
    }
  }

  /** Adds another gRPC service on the xDS port (CSDS); before listen. */
  addService(definition: grpc.ServiceDefinition, implementation: grpc.UntypedServiceImplementation): void {
    this.server.addService(definition, implementation);
  }

  /** The open streams themselves, for readers that need their sent resources (CSDS). */
  openStreams(): XdsStream[] {
    return [...this.active.values()].map(({ stream }) => stream);
  }

  /** Binds and starts; resolves to the bound port (useful with port 0). */
  listen(address: string, credentials = grpc.ServerCredentials.createInsecure()): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.bindAsync(address, credentials, (err, port) => (err ? reject(err) : resolve(port)));
    });
  }

  /** Refuses with RESOURCE_EXHAUSTED, naming the limit and its flag; counted. */
  private limitHit(limit: XdsLimitName, info: StreamInfo | undefined, detail: string): { code: number; details: string } {
    this.options.onLimit?.(limit);
    this.observer.requestRejected?.(info, 'limit', detail);
    this.logger.warn({ stream: info?.id, peer: info?.peer, limit }, detail);
    return { code: grpc.status.RESOURCE_EXHAUSTED, details: `${detail} (limit ${LIMIT_FLAGS[limit]})` };
  }

  private serve(service: DiscoveryServiceSpec, protocol: StreamProtocol, call: grpc.ServerDuplexStream<SotwRequest | DeltaRequest, Buffer>): void {
    const info: StreamInfo = { id: this.nextStreamId++, protocol, service: service.name, peer: call.getPeer(), openedAt: Date.now() };
    if (this.active.size >= this.limits.maxStreams) {
      call.emit(
        'error',
        this.limitHit('streams', info, `this control plane already serves ${this.active.size} xDS streams, its maximum; try another replica or later`),
      );
      return;
    }
    const onConnection = (this.perConnection.get(info.peer) ?? 0) + 1;
    if (onConnection > this.limits.maxStreamsPerConnection) {
      call.emit(
        'error',
        this.limitHit('streams_per_connection', info, `this connection already carries ${onConnection - 1} xDS streams, the maximum per connection`),
      );
      return;
    }
    this.perConnection.set(info.peer, onConnection);
    let failed = false;
    const timers: Array<() => void> = [];
    const deps: StreamDeps = {
      cache: this.options.cache,
      resolveGroup: (node, streamInfo) => this.options.resolveGroup(node, streamInfo, call.metadata, call.getAuthContext()?.sslPeerCertificate),
      observer: this.observer,
      logger: this.logger,
      controlPlane: protocol === 'sotw' ? this.sotwControlPlane : this.deltaControlPlane,
      fail: (code, details) => {
        if (failed) return;
        failed = true;
        call.emit('error', { code, details });
      },
      bound: (s) => {
        const credential = s.info.credential;
        if (credential)
          timers.push(
            this.expiryTimer(credential.expiresAt, () =>
              deps.fail(
                grpc.status.UNAUTHENTICATED,
                `the ${credential.kind === 'token' ? 'xDS token' : 'client certificate'} this stream presented has expired`,
              ),
            ),
          );
      },
    };
    const maxAge = this.options.maxConnectionAgeMs ?? 0;
    if (maxAge > 0) {
      // Jittered (90-100 %) so proxies that connected together do not all reconnect together.
      const age = maxAge * (0.9 + Math.random() * 0.1);
      const timer = setTimeout(() => deps.fail(grpc.status.UNAVAILABLE, 'maximum connection age reached; reconnect'), age).unref();
      timers.push(() => clearTimeout(timer));
    }
    const sink = { write: (b: Buffer) => call.write(b) };
    const stream = protocol === 'sotw' ? new SotwStream(info, deps, sink, service.fixedType) : new DeltaStream(info, deps, sink, service.fixedType);
    this.active.set(info.id, { stream, call: call as grpc.ServerDuplexStream<unknown, Buffer> });
    this.observer.streamOpened?.(info);

    const finish = () => {
      if (stream.isClosed) return;
      stream.close();
      for (const cancel of timers) cancel();
      this.releaseConnectionSlot(info.peer);
      this.active.delete(info.id);
      this.logger.info({ stream: info.id, node: info.node?.id }, 'xds stream closed');
    };
    call.on('data', (req: SotwRequest | DeltaRequest) => {
      if (failed || stream.isClosed) return;
      if (isMalformed(req)) {
        if (req.tooLarge !== undefined) {
          const refusal = this.limitHit('request_bytes', info, `request of ${req.tooLarge} bytes is larger than the maximum of ${this.limits.maxRequestBytes}`);
          deps.fail(refusal.code, refusal.details);
          return;
        }
        this.logger.warn({ stream: info.id, peer: info.peer }, req.malformed);
        this.observer.requestRejected?.(info, 'malformed', req.malformed);
        deps.fail(grpc.status.INVALID_ARGUMENT, req.malformed);
        return;
      }
      const names = requestNameCount(req);
      if (names > this.limits.maxNamesPerRequest) {
        const refusal = this.limitHit(
          'names_per_request',
          info,
          `request names ${names} resources, more than the maximum of ${this.limits.maxNamesPerRequest}`,
        );
        deps.fail(refusal.code, refusal.details);
        return;
      }
      try {
        if (stream instanceof SotwStream) stream.onRequest(req as Exclude<SotwRequest, { malformed: string }>);
        else (stream as DeltaStream).onRequest(req as Exclude<DeltaRequest, { malformed: string }>);
        const held = stream.subscribedNameCount();
        if (held > this.limits.maxNamesPerStream) {
          const refusal = this.limitHit(
            'names_per_stream',
            info,
            `stream subscribes to ${held} resource names, more than the maximum of ${this.limits.maxNamesPerStream}`,
          );
          deps.fail(refusal.code, refusal.details);
          return;
        }
      } catch (err) {
        // A bug handling one request must cost that stream, never the process.
        this.logger.error({ stream: info.id, err }, 'xds request handling failed');
        deps.fail(grpc.status.INTERNAL, 'internal error handling the request');
      }
    });
    call.on('drain', () => stream.onDrain());
    call.on('end', () => {
      finish();
      call.end();
    });
    call.on('cancelled', finish);
    call.on('error', finish);
    call.on('close', finish);
  }

  private releaseConnectionSlot(peer: string): void {
    const n = (this.perConnection.get(peer) ?? 1) - 1;
    if (n <= 0) this.perConnection.delete(peer);
    else this.perConnection.set(peer, n);
  }

  /** Calls `expired` at `at` (timers cannot wait longer than ~24.8 days, so long waits re-arm); returns a cancel. */
  private expiryTimer(at: number, expired: () => void): () => void {
    let timer: NodeJS.Timeout | undefined;
    const arm = () => {
      const wait = at - Date.now();
      if (wait <= 0) return expired();
      timer = setTimeout(arm, Math.min(wait, 2 ** 31 - 1)).unref();
    };
    arm();
    return () => clearTimeout(timer);
  }

  /**
   * Ends every stream `which` selects with `code` (e.g. UNAUTHENTICATED when the token it
   * presented is revoked, UNAVAILABLE for a rotation laggard). Returns how many were ended.
   */
  endStreams(which: (stream: XdsStream) => boolean, code: number, details: string): number {
    let ended = 0;
    for (const { stream, call } of [...this.active.values()]) {
      if (stream.isClosed || !which(stream)) continue;
      ended++;
      this.logger.info({ stream: stream.info.id, node: stream.info.node?.id, code }, `ending xds stream: ${details}`);
      call.emit('error', { code, details });
    }
    return ended;
  }

  /** Sync state of every connected stream. */
  streams(): StreamStatus[] {
    return [...this.active.values()].map(({ stream }) => stream.status());
  }

  /** Streams whose node.id is `nodeId` (a proxy may hold several, e.g. per-type services). */
  streamsForNode(nodeId: string): XdsStream[] {
    return [...this.active.values()].filter(({ stream }) => stream.info.node?.id === nodeId).map(({ stream }) => stream);
  }

  /** Whether `nodeId` has ACKed everything it was sent and subscribed to every type it needs. */
  readiness(nodeId: string): ProxyReadiness {
    return proxyReadiness(
      nodeId,
      this.streamsForNode(nodeId).map((s) => ({ status: s.status(), snapshot: s.currentSnapshot })),
    );
  }

  get streamCount(): number {
    return this.active.size;
  }

  /**
   * Stops accepting streams, ends the open ones with UNAVAILABLE so proxies reconnect elsewhere
   * at once, and waits for them to go (at most graceMs).
   */
  async shutdown(graceMs = 5_000): Promise<void> {
    const drained = new Promise<void>((resolve) => this.server.tryShutdown(() => resolve()));
    for (const { stream, call } of this.active.values()) {
      stream.close();
      call.emit('error', { code: grpc.status.UNAVAILABLE, details: 'control plane shutting down' });
    }
    this.active.clear();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        this.server.forceShutdown();
        resolve();
      }, graceMs);
    });
    await Promise.race([drained, timeout]);
    clearTimeout(timer);
  }
}
