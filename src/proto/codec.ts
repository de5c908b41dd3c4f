// One protobufjs Root over the vendored protos, shared by translate (to pack typed configs),
// xds (to encode resources and decode requests) and admin (to render config dumps).
import * as path from 'node:path';
import * as fs from 'node:fs';
import * as protobuf from 'protobufjs';
import { TYPE_PREFIX } from './type-urls';

const PROTO_DIR = path.resolve(__dirname, '../../protos');
const INCLUDE_DIRS = ['envoy-api', 'xds', 'googleapis', 'protoc-gen-validate', 'opentelemetry-proto'].map((d) => path.join(PROTO_DIR, d));

/** Every message type Switchyard writes or reads, directly or inside an Any. */
const ENTRY_FILES = [
  'envoy/service/discovery/v3/ads.proto',
  'envoy/service/discovery/v3/discovery.proto',
  'envoy/service/status/v3/csds.proto',
  'envoy/config/bootstrap/v3/bootstrap.proto',
  'envoy/config/listener/v3/listener.proto',
  'envoy/config/route/v3/route.proto',
  'envoy/config/cluster/v3/cluster.proto',
  'envoy/config/endpoint/v3/endpoint.proto',
  'envoy/extensions/transport_sockets/tls/v3/tls.proto',
  'envoy/extensions/transport_sockets/tls/v3/secret.proto',
  'envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager.proto',
  'envoy/extensions/filters/network/tcp_proxy/v3/tcp_proxy.proto',
  'envoy/extensions/filters/network/rbac/v3/rbac.proto',
  'envoy/extensions/filters/http/router/v3/router.proto',
  'envoy/extensions/filters/http/rbac/v3/rbac.proto',
  'envoy/extensions/filters/http/fault/v3/fault.proto',
  'envoy/extensions/filters/http/local_ratelimit/v3/local_rate_limit.proto',
  'envoy/extensions/filters/listener/tls_inspector/v3/tls_inspector.proto',
  // Access logs and tracing (translate/telemetry.ts), CORS for gateway routes (translate/gateway.ts).
  'envoy/extensions/access_loggers/stream/v3/stream.proto',
  'envoy/extensions/access_loggers/file/v3/file.proto',
  'envoy/extensions/access_loggers/open_telemetry/v3/logs_service.proto',
  'envoy/config/trace/v3/opentelemetry.proto',
  'envoy/extensions/filters/http/cors/v3/cors.proto',
  'envoy/extensions/upstreams/http/v3/http_protocol_options.proto',
  'envoy/extensions/load_balancing_policies/ring_hash/v3/ring_hash.proto',
  'envoy/extensions/load_balancing_policies/wrr_locality/v3/wrr_locality.proto',
  'envoy/extensions/load_balancing_policies/round_robin/v3/round_robin.proto',
  'envoy/extensions/load_balancing_policies/least_request/v3/least_request.proto',
  'envoy/extensions/load_balancing_policies/pick_first/v3/pick_first.proto',
  'xds/type/v3/typed_struct.proto',
  'udpa/type/v1/typed_struct.proto',
  'google/rpc/status.proto',
];

// protobufjs bundles the well-known types but not descriptor.proto, which the validate and
// annotation protos import; register it the way @grpc/proto-loader does.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const descriptorJson = require('protobufjs/google/protobuf/descriptor.json') as {
  nested: { google: { nested: { protobuf: { nested: protobuf.INamespace['nested'] } } } };
};
protobuf.common('descriptor', descriptorJson.nested.google.nested.protobuf.nested as Record<string, protobuf.AnyNestedObject>);

let cachedRoot: protobuf.Root | undefined;

/** The loaded, resolved Root. Loading takes a few hundred milliseconds, once per process. */
export function protoRoot(): protobuf.Root {
  if (cachedRoot) return cachedRoot;
  const root = new protobuf.Root();
  root.resolvePath = (_origin, target) => {
    for (const dir of INCLUDE_DIRS) {
      const candidate = path.join(dir, target);
      if (fs.existsSync(candidate)) return candidate;
    }
    // google/protobuf/*.proto are bundled with protobufjs; returning the bare name lets it use them.
    return target;
  };
  root.loadSync(ENTRY_FILES, { keepCase: true });
  root.resolveAll();
  cachedRoot = root;
  return root;
}

export function lookupType(typeName: string): protobuf.Type {
  const name = typeName.startsWith(TYPE_PREFIX) ? typeName.slice(TYPE_PREFIX.length) : typeName;
  return protoRoot().lookupType(name);
}

/** Options matching proto-loader's generated `__Output` types (keepCase, longs/enums as strings). */
export const OUTPUT_OPTIONS: protobuf.IConversionOptions = {
  longs: String,
  enums: String,
  bytes: Buffer,
  defaults: true,
  oneofs: true,
  arrays: true,
  objects: true,
};

export function encodeMessage(typeName: string, message: object): Buffer {
  const type = lookupType(typeName);
  const encoded = type.encode(type.fromObject(message as Record<string, unknown>)).finish();
  return Buffer.from(encoded.buffer, encoded.byteOffset, encoded.byteLength);
}

export function decodeMessage<T = Record<string, unknown>>(typeName: string, bytes: Uint8Array, options: protobuf.IConversionOptions = OUTPUT_OPTIONS): T {
  const type = lookupType(typeName);
  return type.toObject(type.decode(bytes), options) as T;
}

/** The wire form of google.protobuf.Any, as proto-loader's generated types spell it. */
export interface PackedAny {
  type_url: string;
  value: Buffer;
}

/** Packs a message into an Any (used for typed_config fields and xDS resources). */
export function packAny(typeName: string, message: object): PackedAny {
  const bare = typeName.startsWith(TYPE_PREFIX) ? typeName.slice(TYPE_PREFIX.length) : typeName;
  return { type_url: TYPE_PREFIX + bare, value: encodeMessage(bare, message) };
}

/**
 * Turns a decoded message into readable JSON with every Any expanded (`@type` plus its fields),
 * as Envoy's config_dump shows it.
 */
export function expandAnys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(expandAnys);
  if (Buffer.isBuffer(value)) return value.toString('base64');
  if (value === null || typeof value !== 'object') return value;
  const obj = value as Record<string, unknown>;
  if (typeof obj.type_url === 'string' && Buffer.isBuffer(obj.value) && Object.keys(obj).length === 2) {
    try {
      const inner = decodeMessage(obj.type_url, obj.value, { longs: String, enums: String, bytes: Buffer, oneofs: false, defaults: false });
      return { '@type': obj.type_url, ...(expandAnys(inner) as Record<string, unknown>) };
    } catch {
      return { '@type': obj.type_url, value: obj.value.toString('base64') };
    }
  }
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj)) out[k] = expandAnys(v);
  return out;
}
