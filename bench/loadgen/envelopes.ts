// xDS discovery requests and responses at the envelope level: requests are encoded with the
// project's codec (they are small and few: one per response), responses are read without
// decoding the resources they carry (field numbers from envoy/service/discovery/v3/discovery.proto).
import { encodeMessage } from '../../src/proto/codec';
import { forEachField, stringsAt } from './protowire';

export interface NodeInfo {
  id: string;
  cluster: string;
  /** `envoy` for sidecars; a gRPC library's name ("gRPC Node") for proxyless clients. */
  userAgentName: string;
}

function nodeMessage(node: NodeInfo | undefined): object | undefined {
  return node && { id: node.id, cluster: node.cluster, user_agent_name: node.userAgentName, user_agent_version: 'loadgen' };
}

/** As Envoy reports a rejected update: INVALID_ARGUMENT with the reason. */
function errorDetail(message: string | undefined): object | undefined {
  return message === undefined ? undefined : { code: 3, message };
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
  return encodeMessage('envoy.service.discovery.v3.DiscoveryRequest', {
    version_info: r.versionInfo ?? '',
    node: nodeMessage(r.node),
    resource_names: r.resourceNames,
    type_url: r.typeUrl,
    response_nonce: r.responseNonce ?? '',
    error_detail: errorDetail(r.errorMessage),
  });
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
  return encodeMessage('envoy.service.discovery.v3.DeltaDiscoveryRequest', {
    node: nodeMessage(r.node),
    type_url: r.typeUrl,
    resource_names_subscribe: r.subscribe ?? [],
    resource_names_unsubscribe: r.unsubscribe ?? [],
    initial_resource_versions: Object.fromEntries(r.initialVersions ?? []),
    response_nonce: r.responseNonce ?? '',
    error_detail: errorDetail(r.errorMessage),
  });
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
  forEachField(
    buf,
    (f) => {
      if (f.number === 2) value = { buf, start: f.start, end: f.end };
    },
    start,
    end,
  );
  return value;
}

export function decodeSotwResponse(buf: Buffer): SotwResponse {
  const out: SotwResponse = { versionInfo: '', typeUrl: '', nonce: '', resources: [] };
  forEachField(buf, (f) => {
    switch (f.number) {
      case 1:
        out.versionInfo = buf.toString('utf8', f.start, f.end);
        break;
      case 2:
        out.resources.push(anyValue(buf, f.start, f.end));
        break;
      case 4:
        out.typeUrl = buf.toString('utf8', f.start, f.end);
        break;
      case 5:
        out.nonce = buf.toString('utf8', f.start, f.end);
        break;
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
      case 1:
        out.systemVersionInfo = buf.toString('utf8', f.start, f.end);
        break;
      case 2: {
        const r: DeltaResource = { name: '', version: '', value: { buf, start: f.end, end: f.end } };
        forEachField(
          buf,
          (g) => {
            if (g.number === 3) r.name = buf.toString('utf8', g.start, g.end);
            else if (g.number === 1) r.version = buf.toString('utf8', g.start, g.end);
            else if (g.number === 2) r.value = anyValue(buf, g.start, g.end);
          },
          f.start,
          f.end,
        );
        out.resources.push(r);
        break;
      }
      case 4:
        out.typeUrl = buf.toString('utf8', f.start, f.end);
        break;
      case 5:
        out.nonce = buf.toString('utf8', f.start, f.end);
        break;
      case 6:
        out.removed.push(buf.toString('utf8', f.start, f.end));
        break;
    }
  });
  return out;
}

export { stringsAt };
