// The xDS relay `switchyard agent --relay-address` runs for proxyless gRPC workloads. grpc-js-xds
// talks xDS only over `insecure` or `google_default` channel credentials, so it cannot present a
// workload's proof to a secure control plane itself; like Istio's agent, this listens on loopback,
// where only the workload's own host can reach it, and relays each ADS stream to the control plane
// over TLS (verifying the control plane's SPIFFE ID, presenting the workload's certificate) with
// the workload's xDS token. Messages pass through as bytes, in both directions, untouched.
import * as grpc from '@grpc/grpc-js';
import type { Logger } from 'pino';

const ADS = 'envoy.service.discovery.v3.AggregatedDiscoveryService';
/** SotW and delta ADS: the streams gRPC xDS clients open. */
export const RELAYED_METHODS = [`/${ADS}/StreamAggregatedResources`, `/${ADS}/DeltaAggregatedResources`] as const;

const passThrough = (b: Buffer): Buffer => b;

export interface RelayUpstream {
  /** host:port of the control plane's xDS listener. */
  readonly address: string;
  readonly credentials: grpc.ChannelCredentials;
  /** Added to every relayed stream (the workload's `authorization: Bearer <xDS token>`). */
  readonly metadata: grpc.Metadata;
}

export interface XdsRelayOptions {
  readonly logger: Logger;
  /** Bytes one relayed message may have, each way (the control plane's own limits still apply). */
  readonly maxMessageBytes?: number;
}

type DownCall = grpc.ServerDuplexStream<Buffer, Buffer>;

/**
 * A byte-level ADS relay. Backpressure is end to end: when one side's transport is full, the
 * relay stops reading from the other until it drains. When the control plane goes away, the
 * relayed stream ends with the control plane's status (UNAVAILABLE), the gRPC client reconnects
 * as it would to any xDS server, and the relay opens a new upstream stream for it.
 */
export class XdsRelay {
  private readonly server: grpc.Server;
  private upstream?: { client: grpc.Client; config: RelayUpstream };
  private readonly retired: grpc.Client[] = [];
  private readonly open = new Set<{ down: DownCall; up: grpc.ClientDuplexStream<Buffer, Buffer> }>();

  constructor(private readonly options: XdsRelayOptions) {
    const max = options.maxMessageBytes ?? 16 * 1024 * 1024;
    this.server = new grpc.Server({ 'grpc.max_receive_message_length': max, 'grpc.max_send_message_length': -1 });
    const definition: Record<string, grpc.MethodDefinition<Buffer, Buffer>> = {};
    const handlers: grpc.UntypedServiceImplementation = {};
    for (const path of RELAYED_METHODS) {
      const name = path.slice(path.lastIndexOf('/') + 1);
      definition[name] = {
        path,
        requestStream: true,
        responseStream: true,
        requestSerialize: passThrough,
        requestDeserialize: passThrough,
        responseSerialize: passThrough,
        responseDeserialize: passThrough,
      };
      handlers[name] = (call: DownCall) => this.relay(path, call);
    }
    this.server.addService(definition, handlers);
  }

  /** Sets (or replaces, e.g. after a certificate renewal) where and how streams are relayed; open streams keep theirs. */
  setUpstream(config: RelayUpstream): void {
    if (this.upstream) this.retired.push(this.upstream.client);
    const max = this.options.maxMessageBytes ?? 16 * 1024 * 1024;
    this.upstream = {
      client: new grpc.Client(config.address, config.credentials, {
        'grpc.max_receive_message_length': max,
        'grpc.keepalive_time_ms': 30_000,
        'grpc.keepalive_timeout_ms': 10_000,
      }),
      config,
    };
  }

  /** Binds (loopback only: the relay lends the workload's identity to whoever can reach it). */
  listen(address: string): Promise<number> {
    const host = address.replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
    if (!['127.0.0.1', '::1', 'localhost'].includes(host))
      return Promise.reject(new Error(`the relay listens on loopback only (it lends the workload's identity to every caller); got ${address}`));
    return new Promise((resolve, reject) =>
      this.server.bindAsync(address, grpc.ServerCredentials.createInsecure(), (err, port) => (err ? reject(err) : resolve(port))),
    );
  }

  get streamCount(): number {
    return this.open.size;
  }

  private relay(path: string, down: DownCall): void {
    const upstream = this.upstream;
    if (!upstream) {
      down.emit('error', { code: grpc.status.UNAVAILABLE, details: 'the relay has no control plane yet' });
      return;
    }
    const metadata = upstream.config.metadata.clone();
    const up = upstream.client.makeBidiStreamRequest(path, passThrough, passThrough, metadata);
    const entry = { down, up };
    this.open.add(entry);
    this.options.logger.info({ method: path.slice(path.lastIndexOf('/') + 1), streams: this.open.size }, 'relaying an xDS stream');
    let ended = false;
    const end = (status: Partial<grpc.StatusObject>) => {
      if (ended) return;
      ended = true;
      this.open.delete(entry);
      if (status.code === grpc.status.OK) down.end();
      else down.emit('error', { code: status.code ?? grpc.status.UNAVAILABLE, details: status.details ?? 'relayed stream failed' });
    };

    // Client → control plane.
    down.on('data', (message: Buffer) => {
      if (!up.write(message)) {
        down.pause();
        up.once('drain', () => down.resume());
      }
    });
    down.on('end', () => up.end());
    down.on('cancelled', () => {
      ended = true;
      this.open.delete(entry);
      up.cancel();
    });
    down.on('error', () => up.cancel());

    // Control plane → client.
    up.on('data', (message: Buffer) => {
      if (!down.write(message)) {
        up.pause();
        down.once('drain', () => up.resume());
      }
    });
    up.on('status', (status: grpc.StatusObject) => {
      if (!ended) this.options.logger.info({ code: status.code, details: status.details }, 'relayed xDS stream ended by the control plane');
      end(status);
    });
    up.on('error', (err: grpc.ServiceError) => end({ code: err.code, details: err.details }));
  }

  async stop(): Promise<void> {
    for (const { down, up } of this.open) {
      up.cancel();
      down.emit('error', { code: grpc.status.UNAVAILABLE, details: 'the relay is stopping' });
    }
    this.open.clear();
    await new Promise<void>((resolve) => this.server.tryShutdown(() => resolve()));
    this.upstream?.client.close();
    for (const c of this.retired) c.close();
  }
}

/**
 * TLS to the control plane trusting the mesh CA, presenting the workload's certificate, and
 * checking the listener's SPIFFE ID (`…/svc/switchyard-xds`) rather than a host name, so the
 * relay can dial the control plane by any address.
 */
export function relayCredentials(bundlePem: string, certPem: string, keyPem: string, serverIdentity: string): grpc.ChannelCredentials {
  return grpc.credentials.createSsl(Buffer.from(bundlePem), Buffer.from(keyPem), Buffer.from(certPem), {
    checkServerIdentity: (_host, cert) => {
      const uris = (cert.subjectaltname ?? '')
        .split(', ')
        .filter((e) => e.startsWith('URI:'))
        .map((e) => e.slice(4));
      if (uris.some((u) => u.startsWith('spiffe://') && u.endsWith(`/svc/${serverIdentity}`))) return undefined;
      return new Error(`the xDS server's certificate names ${uris.join(', ') || 'no SPIFFE ID'}, not …/svc/${serverIdentity}`);
    },
  });
}
