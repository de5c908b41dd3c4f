import * as grpc from '@grpc/grpc-js';
import pino, { type Logger } from 'pino';
import { DeltaStream } from './delta-stream';
import { DISCOVERY_SERVICES, isMalformed, type DeltaRequest, type DiscoveryServiceSpec, type SotwRequest } from './grpc-services';
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
}

/** Keepalives find vanished clients (a closed laptop, a killed pod) so their streams are released. */
const SERVER_CHANNEL_OPTIONS: grpc.ChannelOptions = {
  'grpc.keepalive_time_ms': 30_000,
  'grpc.keepalive_timeout_ms': 10_000,
  'grpc.keepalive_permit_without_calls': 1,
  'grpc.http2.min_ping_interval_without_data_ms': 5_000,
  'grpc.max_receive_message_length': 16 * 1024 * 1024,
  'grpc.max_send_message_length': -1,
};

/**
 * The gRPC face of the cache: ADS and per-type discovery services, State-of-the-World and
 * delta. It knows nothing of where resources come from.
 */
export class XdsServer {
  private readonly server = new grpc.Server(SERVER_CHANNEL_OPTIONS);
  private readonly active = new Map<number, { stream: XdsStream; call: grpc.ServerDuplexStream<unknown, Buffer> }>();
  private readonly logger: Logger;
  private readonly observer: XdsObserver;
  private readonly sotwControlPlane: Buffer;
  private readonly deltaControlPlane: Buffer;
  private nextStreamId = 1;

  constructor(private readonly options: XdsServerOptions) {
    this.logger = options.logger ?? pino({ level: 'silent' });
    this.observer = options.observer ?? {};
    const id = options.controlPlaneId ?? 'switchyard';
    this.sotwControlPlane = encodeControlPlane(DiscoveryResponseField.controlPlane, id);
    this.deltaControlPlane = encodeControlPlane(DeltaResponseField.controlPlane, id);
    for (const service of DISCOVERY_SERVICES) {
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

  private serve(service: DiscoveryServiceSpec, protocol: StreamProtocol, call: grpc.ServerDuplexStream<SotwRequest | DeltaRequest, Buffer>): void {
    const info: StreamInfo = { id: this.nextStreamId++, protocol, service: service.name, peer: call.getPeer(), openedAt: Date.now() };
    let failed = false;
    const deps: StreamDeps = {
      cache: this.options.cache,
      resolveGroup: (node, streamInfo) => this.options.resolveGroup(node, streamInfo, call.metadata),
      observer: this.observer,
      logger: this.logger,
      controlPlane: protocol === 'sotw' ? this.sotwControlPlane : this.deltaControlPlane,
      fail: (code, details) => {
        failed = true;
        call.emit('error', { code, details });
      },
    };
    const sink = { write: (b: Buffer) => call.write(b) };
    const stream = protocol === 'sotw' ? new SotwStream(info, deps, sink, service.fixedType) : new DeltaStream(info, deps, sink, service.fixedType);
    this.active.set(info.id, { stream, call: call as grpc.ServerDuplexStream<unknown, Buffer> });
    this.observer.streamOpened?.(info);

    const finish = () => {
      if (stream.isClosed) return;
      stream.close();
      this.active.delete(info.id);
      this.logger.info({ stream: info.id, node: info.node?.id }, 'xds stream closed');
    };
    call.on('data', (req: SotwRequest | DeltaRequest) => {
      if (failed || stream.isClosed) return;
      if (isMalformed(req)) {
        this.logger.warn({ stream: info.id, peer: info.peer }, req.malformed);
        this.observer.requestRejected?.(info, 'malformed', req.malformed);
        deps.fail(grpc.status.INVALID_ARGUMENT, req.malformed);
        return;
      }
      try {
        if (stream instanceof SotwStream) stream.onRequest(req as Exclude<SotwRequest, { malformed: string }>);
        else (stream as DeltaStream).onRequest(req as Exclude<DeltaRequest, { malformed: string }>);
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
