// xDS discovery requests and responses at the envelope level: requests are written by hand,
// responses are read without decoding the resources they carry (field numbers from
// envoy/service/discovery/v3/discovery.proto and envoy/config/core/v3/base.proto).
import { MessageWriter, forEachField, stringsAt } from './protowire';

export interface NodeInfo {
  id: string;
  cluster: string;
  /** `envoy` for sidecars; a gRPC library's name ("gRPC Node") for proxyless clients. */
  userAgentName: string;
}

function nodeMessage(node: NodeInfo): MessageWriter {
  return new MessageWriter().string(1, node.id).string(2, node.cluster).string(6, node.userAgentName).string(7, 'loadgen');
}

function statusMessage(message: string): MessageWriter {
  // google.rpc.Status: code 3 (INVALID_ARGUMENT), as Envoy reports a rejected update.
  return new MessageWriter().varint(1, 3).string(2, message);
}

export interface SotwRequest {
  node?: NodeInfo;
  typeUrl: string;
  versionInfo?: string;
  resourceNames: readonly string[];
  responseNonce?: string;
  errorMessage?: string;
}

export function encodeSotwRequest(r: SotwRequest): Buffer {
  const w = new MessageWriter()
    .string(1, r.versionInfo)
    .message(2, r.node ? nodeMessage(r.node) : undefined)
    .strings(3, r.resourceNames)
    .string(4, r.typeUrl)
    .string(5, r.responseNonce);
  if (r.errorMessage) w.message(6, statusMessage(r.errorMessage));
  return w.finish();
}

export interface DeltaRequest {
  node?: NodeInfo;
  typeUrl: string;
  subscribe?: readonly string[];
  unsubscribe?: readonly string[];
  initialVersions?: ReadonlyMap<string, string>;
  responseNonce?: string;
  errorMessage?: string;
}

export function encodeDeltaRequest(r: DeltaRequest): Buffer {
  const w = new MessageWriter()
    .message(1, r.node ? nodeMessage(r.node) : undefined)
    .string(2, r.typeUrl)
    .strings(3, r.subscribe ?? [])
    .strings(4, r.unsubscribe ?? []);
  for (const [name, version] of r.initialVersions ?? []) w.message(5, new MessageWriter().string(1, name).string(2, version));
  w.string(6, r.responseNonce);
  if (r.errorMessage) w.message(7, statusMessage(r.errorMessage));
  return w.finish();
}

/** A resource as it arrived: its Any's type and value, located in the response buffer. */
export interface ResourceRef {
  readonly buf: Buffer;
  readonly start: number;
  readonly end: number;
}

export interface SotwResponse {
  versionInfo: string;
  typeUrl: string;
  nonce: string;
  /** The Any values (resource bytes), not decoded. */
  resources: ResourceRef[];
}

function anyValue(buf: Buffer, start: number, end: number): ResourceRef {
  let value: ResourceRef = { buf, start: end, end };
  forEachField(buf, (f) => { if (f.number === 2) value = { buf, start: f.start, end: f.end }; }, start, end);
  return value;
}

export function decodeSotwResponse(buf: Buffer): SotwResponse {
  const out: SotwResponse = { versionInfo: '', typeUrl: '', nonce: '', resources: [] };
  forEachField(buf, (f) => {
    switch (f.number) {
      case 1: out.versionInfo = buf.toString('utf8', f.start, f.end); break;
      case 2: out.resources.push(anyValue(buf, f.start, f.end)); break;
      case 4: out.typeUrl = buf.toString('utf8', f.start, f.end); break;
      case 5: out.nonce = buf.toString('utf8', f.start, f.end); break;
    }
  });
  return out;
}

export interface DeltaResource {
  name: string;
  version: string;
  value: ResourceRef;
}

export interface DeltaResponse {
  typeUrl: string;
  nonce: string;
  systemVersionInfo: string;
  resources: DeltaResource[];
  removed: string[];
}

export function decodeDeltaResponse(buf: Buffer): DeltaResponse {
  const out: DeltaResponse = { typeUrl: '', nonce: '', systemVersionInfo: '', resources: [], removed: [] };
  forEachField(buf, (f) => {
    switch (f.number) {
      case 1: out.systemVersionInfo = buf.toString('utf8', f.start, f.end); break;
      case 2: {
        const r: DeltaResource = { name: '', version: '', value: { buf, start: f.end, end: f.end } };
        forEachField(buf, (g) => {
          if (g.number === 3) r.name = buf.toString('utf8', g.start, g.end);
          else if (g.number === 1) r.version = buf.toString('utf8', g.start, g.end);
          else if (g.number === 2) r.value = anyValue(buf, g.start, g.end);
        }, f.start, f.end);
        out.resources.push(r);
        break;
      }
      case 4: out.typeUrl = buf.toString('utf8', f.start, f.end); break;
      case 5: out.nonce = buf.toString('utf8', f.start, f.end); break;
      case 6: out.removed.push(buf.toString('utf8', f.start, f.end)); break;
    }
  });
  return out;
}

export { stringsAt };
