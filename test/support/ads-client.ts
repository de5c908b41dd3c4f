// A raw xDS client for protocol tests: real gRPC streams, decoded with @grpc/proto-loader
// (independently of the server's hand-assembled response envelopes).
import * as path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import type { DiscoveryRequest } from '../../src/generated/envoy/service/discovery/v3/DiscoveryRequest';
import type { DiscoveryResponse__Output } from '../../src/generated/envoy/service/discovery/v3/DiscoveryResponse';
import type { DeltaDiscoveryRequest } from '../../src/generated/envoy/service/discovery/v3/DeltaDiscoveryRequest';
import type { DeltaDiscoveryResponse__Output } from '../../src/generated/envoy/service/discovery/v3/DeltaDiscoveryResponse';
import type { ProtoGrpcType as AdsProto } from '../../src/generated/ads';
import type { ProtoGrpcType as CdsProto } from '../../src/generated/cds';

const PROTO_DIR = path.resolve(__dirname, '../../protos');

function load<T>(file: string): T {
  const def = protoLoader.loadSync(file, {
    keepCase: true,
    longs: String,
    enums: String,
    defaults: true,
    oneofs: true,
    includeDirs: ['envoy-api', 'xds', 'googleapis', 'protoc-gen-validate'].map((d) => path.join(PROTO_DIR, d)),
  });
  return grpc.loadPackageDefinition(def) as unknown as T;
}

let ads: AdsProto | undefined;
let cds: CdsProto | undefined;
export function adsProto(): AdsProto {
  ads ??= load<AdsProto>('envoy/service/discovery/v3/ads.proto');
  return ads;
}
export function cdsProto(): CdsProto {
  cds ??= load<CdsProto>('envoy/service/cluster/v3/cds.proto');
  return cds;
}

/** Collects a stream's messages and lets a test await them one by one. */
export class Inbox<T> {
  private readonly queue: T[] = [];
  private waiters: Array<(m: T) => void> = [];
  ended?: grpc.StatusObject | Error;
  private endWaiters: Array<() => void> = [];
  count = 0;

  push(m: T): void {
    this.count++;
    const w = this.waiters.shift();
    if (w) w(m);
    else this.queue.push(m);
  }

  end(status: grpc.StatusObject | Error): void {
    this.ended ??= status;
    for (const w of this.endWaiters) w();
    this.endWaiters = [];
  }

  next(timeoutMs = 3000): Promise<T> {
    const queued = this.queue.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new Error(`no message within ${timeoutMs} ms`));
      }, timeoutMs);
      const waiter = (m: T) => {
        clearTimeout(timer);
        resolve(m);
      };
      this.waiters.push(waiter);
    });
  }

  /** Resolves true if nothing arrives for `ms` (the queue must be empty too). */
  async quiet(ms = 300): Promise<boolean> {
    if (this.queue.length > 0) return false;
    try {
      const m = await this.next(ms);
      this.queue.unshift(m); // not consumed: the caller reads it next
      return false;
    } catch {
      return true;
    }
  }

  waitEnd(timeoutMs = 3000): Promise<grpc.StatusObject | Error> {
    if (this.ended) return Promise.resolve(this.ended);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('stream did not end')), timeoutMs);
      this.endWaiters.push(() => {
        clearTimeout(timer);
        resolve(this.ended!);
      });
    });
  }
}

/** Each test client gets its own connection, as each real proxy has (grpc-js would share one). */
export const OWN_CONNECTION: grpc.ChannelOptions = { 'grpc.use_local_subchannel_pool': 1 };

export const TEST_NODE = { id: 'node-1', cluster: 'frontend', user_agent_name: 'test-client' };

export interface SotwClient {
  call: grpc.ClientDuplexStream<DiscoveryRequest, DiscoveryResponse__Output>;
  inbox: Inbox<DiscoveryResponse__Output>;
  send(req: DiscoveryRequest): void;
  /** ACKs a response: same type, its version and nonce, the given names. */
  ack(res: DiscoveryResponse__Output, names?: string[]): void;
  nack(res: DiscoveryResponse__Output, message: string, names?: string[]): void;
  close(): void;
}

function wire<Req, Res>(call: grpc.ClientDuplexStream<Req, Res>, inbox: Inbox<Res>): void {
  call.on('data', (m: Res) => inbox.push(m));
  call.on('status', (s: grpc.StatusObject) => inbox.end(s));
  call.on('error', (e: Error) => inbox.end(e));
}

export function sotwClient(
  address: string,
  metadata = new grpc.Metadata(),
  credentials = grpc.credentials.createInsecure(),
  options: grpc.ChannelOptions = {},
): SotwClient {
  const client = new (adsProto().envoy.service.discovery.v3.AggregatedDiscoveryService)(address, credentials, { ...OWN_CONNECTION, ...options });
  const call = client.StreamAggregatedResources(metadata);
  const inbox = new Inbox<DiscoveryResponse__Output>();
  wire(call, inbox);
  return {
    call,
    inbox,
    send: (req) => call.write(req),
    ack: (res, names = []) => call.write({ type_url: res.type_url, version_info: res.version_info, response_nonce: res.nonce, resource_names: names }),
    nack: (res, message, names = []) =>
      call.write({ type_url: res.type_url, version_info: '', response_nonce: res.nonce, resource_names: names, error_detail: { code: 3, message } }),
    close: () => {
      call.cancel();
      client.close();
    },
  };
}

export interface DeltaClient {
  call: grpc.ClientDuplexStream<DeltaDiscoveryRequest, DeltaDiscoveryResponse__Output>;
  inbox: Inbox<DeltaDiscoveryResponse__Output>;
  send(req: DeltaDiscoveryRequest): void;
  ack(res: DeltaDiscoveryResponse__Output): void;
  nack(res: DeltaDiscoveryResponse__Output, message: string): void;
  close(): void;
}

export function deltaClient(
  address: string,
  metadata = new grpc.Metadata(),
  credentials = grpc.credentials.createInsecure(),
  options: grpc.ChannelOptions = {},
): DeltaClient {
  const client = new (adsProto().envoy.service.discovery.v3.AggregatedDiscoveryService)(address, credentials, { ...OWN_CONNECTION, ...options });
  const call = client.DeltaAggregatedResources(metadata);
  const inbox = new Inbox<DeltaDiscoveryResponse__Output>();
  wire(call, inbox);
  return {
    call,
    inbox,
    send: (req) => call.write(req),
    ack: (res) => call.write({ type_url: res.type_url, response_nonce: res.nonce }),
    nack: (res, message) => call.write({ type_url: res.type_url, response_nonce: res.nonce, error_detail: { code: 3, message } }),
    close: () => {
      call.cancel();
      client.close();
    },
  };
}

/** Names of the resources in a SotW response, decoded by type. */
export function resourceNames(res: DiscoveryResponse__Output): string[] {
  return res.resources.map((any) => decodeName(any.type_url, any.value)).sort();
}

import { decodeMessage } from '../../src/proto/codec';
export function decodeName(typeUrl: string, value: Buffer): string {
  const msg = decodeMessage<{ name?: string; cluster_name?: string }>(typeUrl, value);
  return msg.name || msg.cluster_name || '';
}
