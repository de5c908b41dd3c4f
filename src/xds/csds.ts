// CSDS (envoy.service.status.v3.ClientStatusDiscoveryService) on the xDS port: each connected
// proxy's sync state and the resources it was sent, in the form standard xDS tooling reads
// (generic_xds_configs, one entry per resource). The same facts as /v1/proxies, for clients that
// speak xDS rather than Switchyard's admin API.
import * as grpc from '@grpc/grpc-js';
import type { ServiceDefinition } from '@grpc/grpc-js';
import type {
  ClientConfig,
  _envoy_service_status_v3_ClientConfig_GenericXdsConfig as GenericXdsConfig,
} from '../generated/envoy/service/status/v3/ClientConfig';
import type { ClientStatusRequest__Output } from '../generated/envoy/service/status/v3/ClientStatusRequest';
import type { ClientStatusResponse } from '../generated/envoy/service/status/v3/ClientStatusResponse';
import type { StringMatcher__Output } from '../generated/envoy/type/matcher/v3/StringMatcher';
import type { Node__Output } from '../generated/envoy/config/core/v3/Node';
import type { Timestamp } from '../generated/google/protobuf/Timestamp';
import { decodeMessage, encodeMessage } from '../proto/codec';
import { TypeUrl } from '../proto/type-urls';
import type { XdsStream } from './stream-base';

const SECRET_TYPE_URL = TypeUrl.Secret;
const SERVICE = 'envoy.service.status.v3.ClientStatusDiscoveryService';
const REQUEST = 'envoy.service.status.v3.ClientStatusRequest';
const RESPONSE = 'envoy.service.status.v3.ClientStatusResponse';

/** The streams CSDS reports on: the xDS server's open streams. */
export interface CsdsSource {
  openStreams(): readonly XdsStream[];
}

/**
 * Decides whether a CSDS caller may read every proxy's state: undefined to allow, else the gRPC
 * status to refuse with. Serve asks for an admin ACL token holding `read` in the `authorization`
 * metadata, because CSDS shows what /v1/proxies shows.
 */
export type CsdsAuthorizer = (metadata: grpc.Metadata) => { code: grpc.status; message: string } | undefined;

/** A request CSDS cannot answer as asked; becomes INVALID_ARGUMENT. */
class CsdsRequestError extends Error {}

function timestamp(ms: number): Timestamp {
  return { seconds: String(Math.floor(ms / 1000)), nanos: (ms % 1000) * 1_000_000 };
}

function stringMatches(m: StringMatcher__Output, value: string): boolean {
  const fold = (s: string) => (m.ignore_case ? s.toLowerCase() : s);
  const v = fold(value);
  switch (m.match_pattern) {
    case 'exact':
      return v === fold(m.exact ?? '');
    case 'prefix':
      return v.startsWith(fold(m.prefix ?? ''));
    case 'suffix':
      return v.endsWith(fold(m.suffix ?? ''));
    case 'contains':
      return v.includes(fold(m.contains ?? ''));
    case 'safe_regex':
      // RE2 syntax is close enough to JavaScript's for the patterns tooling sends (ids, prefixes).
      return new RegExp(`^(?:${m.safe_regex?.regex ?? ''})$`, m.ignore_case ? 'i' : '').test(value);
    default:
      throw new CsdsRequestError(`node_id matcher ${m.match_pattern ?? '(empty)'} is not supported`);
  }
}

function nodeSelected(req: ClientStatusRequest__Output, node: Node__Output): boolean {
  if (req.node_matchers.length === 0) return true;
  return req.node_matchers.some((matcher) => {
    if (matcher.node_metadatas.length > 0) throw new CsdsRequestError('node_metadatas matchers are not supported; match on node_id');
    return matcher.node_id ? stringMatches(matcher.node_id, node.id) : true;
  });
}

/** One ClientConfig per node id, merging a node's streams (a proxy may hold one per type). */
export function clientStatus(source: CsdsSource, req: ClientStatusRequest__Output): ClientStatusResponse {
  const byNode = new Map<string, { node: Node__Output; configs: GenericXdsConfig[] }>();
  for (const stream of source.openStreams()) {
    const node = stream.info.node;
    if (!node || stream.info.group === undefined || !nodeSelected(req, node)) continue;
    const entry = byNode.get(node.id) ?? { node, configs: [] };
    byNode.set(node.id, entry);
    const sent = stream.sentResources();
    const status = stream.status();
    for (const t of status.types) {
      const nacked = t.lastNack !== undefined && t.lastNack.version === t.sentVersion;
      const synced = !nacked && !t.pendingAck && t.sentVersion !== undefined && t.ackedVersion === t.sentVersion;
      const configStatus = nacked ? 'ERROR' : synced ? 'SYNCED' : t.sentVersion === undefined ? 'NOT_SENT' : 'STALE';
      const clientStatus = nacked ? 'NACKED' : synced ? 'ACKED' : 'REQUESTED';
      // Secrets carry private keys: CSDS names them and their state, never their contents.
      const withContents = !req.exclude_resource_contents && t.typeUrl !== SECRET_TYPE_URL;
      // A NACKed response: the resources the proxy refused, with the error (Envoy reports its own
      // NACKs the same way). A name it refused in a new version is reported as refused.
      const refused = nacked ? (stream.rejectedResources().get(t.typeUrl) ?? []) : [];
      const held = sent.get(t.typeUrl) ?? [];
      const heldVersions = new Map(held.map((r) => [r.name, r.version]));
      const refusedNames = new Set(refused.filter((r) => heldVersions.get(r.name) !== r.version).map((r) => r.name));
      const names = new Set<string>();
      for (const r of held) {
        if (refusedNames.has(r.name)) continue;
        names.add(r.name);
        entry.configs.push({
          type_url: t.typeUrl,
          name: r.name,
          version_info: t.ackedVersion ?? t.sentVersion ?? r.version,
          ...(withContents && { xds_config: { type_url: t.typeUrl, value: r.bytes } }),
          // Held but behind: a newer version of the type was refused.
          config_status: nacked ? 'STALE' : configStatus,
          client_status: nacked ? 'ACKED' : clientStatus,
        });
      }
      for (const r of refused) {
        if (!refusedNames.has(r.name)) continue;
        names.add(r.name);
        entry.configs.push({
          type_url: t.typeUrl,
          name: r.name,
          version_info: t.lastNack!.version,
          config_status: 'ERROR',
          client_status: 'NACKED',
          error_state: {
            details: t.lastNack!.message,
            version_info: t.lastNack!.version,
            last_update_attempt: timestamp(t.lastNack!.at),
            ...(withContents && { failed_configuration: { type_url: t.typeUrl, value: r.bytes } }),
          },
        });
      }
      // Names asked for that the proxy may not have (or that do not exist for it): requested, never sent.
      for (const name of t.subscribedNames) {
        if (!names.has(name)) entry.configs.push({ type_url: t.typeUrl, name, config_status: 'NOT_SENT', client_status: 'DOES_NOT_EXIST' });
      }
    }
  }
  const config: ClientConfig[] = [...byNode.keys()].sort().map((id) => {
    const { node, configs } = byNode.get(id)!;
    return { node, generic_xds_configs: configs };
  });
  return { config };
}

const csdsMethods = {
  StreamClientStatus: { path: `/${SERVICE}/StreamClientStatus`, requestStream: true, responseStream: true },
  FetchClientStatus: { path: `/${SERVICE}/FetchClientStatus`, requestStream: false, responseStream: false },
};

/** The service definition and handlers, to add to the xDS gRPC server. */
export function csdsService(
  source: CsdsSource,
  authorize: CsdsAuthorizer,
): { definition: ServiceDefinition; implementation: grpc.UntypedServiceImplementation } {
  const codec = {
    requestSerialize: (m: object) => encodeMessage(REQUEST, m),
    requestDeserialize: (b: Buffer) => decodeMessage<ClientStatusRequest__Output>(REQUEST, b),
    responseSerialize: (m: ClientStatusResponse) => encodeMessage(RESPONSE, m),
    responseDeserialize: (b: Buffer) => decodeMessage(RESPONSE, b),
  };
  const definition: ServiceDefinition = {
    StreamClientStatus: { ...csdsMethods.StreamClientStatus, ...codec },
    FetchClientStatus: { ...csdsMethods.FetchClientStatus, ...codec },
  };
  const answer = (req: ClientStatusRequest__Output, metadata: grpc.Metadata): ClientStatusResponse | grpc.ServiceError => {
    const refused = authorize(metadata);
    if (refused) return Object.assign(new Error(refused.message), { code: refused.code, details: refused.message, metadata: new grpc.Metadata() });
    try {
      return clientStatus(source, req);
    } catch (err) {
      const code = err instanceof CsdsRequestError ? grpc.status.INVALID_ARGUMENT : grpc.status.INTERNAL;
      return Object.assign(new Error((err as Error).message), { code, details: (err as Error).message, metadata: new grpc.Metadata() });
    }
  };
  const isError = (r: ClientStatusResponse | grpc.ServiceError): r is grpc.ServiceError => r instanceof Error;
  const implementation: grpc.UntypedServiceImplementation = {
    FetchClientStatus: (call: grpc.ServerUnaryCall<ClientStatusRequest__Output, ClientStatusResponse>, callback: grpc.sendUnaryData<ClientStatusResponse>) => {
      const r = answer(call.request, call.metadata);
      if (isError(r)) callback(r);
      else callback(null, r);
    },
    StreamClientStatus: (call: grpc.ServerDuplexStream<ClientStatusRequest__Output, ClientStatusResponse>) => {
      call.on('data', (req: ClientStatusRequest__Output) => {
        const r = answer(req, call.metadata);
        if (isError(r)) call.emit('error', { code: r.code, details: r.details });
        else call.write(r);
      });
      call.on('end', () => call.end());
      call.on('error', () => undefined);
    },
  };
  return { definition, implementation };
}
