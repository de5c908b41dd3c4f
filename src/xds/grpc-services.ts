import type { MethodDefinition, ServiceDefinition } from '@grpc/grpc-js';
import type { DeltaDiscoveryRequest__Output } from '../generated/envoy/service/discovery/v3/DeltaDiscoveryRequest';
import { decodeMessage, encodeMessage } from '../proto/codec';
import { TypeUrl, type ResourceTypeUrl } from '../proto/type-urls';
import { countNames, decodeSotwRequest, type SotwDiscoveryRequest } from './sotw-request';

/** A request the server could not decode (or refused to: too large); handed to the handler so it can log and count it. */
export interface MalformedRequest {
  readonly malformed: string;
  /** Set when the request was not decoded because it is larger than the limit: its size. */
  readonly tooLarge?: number;
}

export type SotwRequest = SotwDiscoveryRequest | MalformedRequest;
export type DeltaRequest = DeltaDiscoveryRequest__Output | MalformedRequest;

export function isMalformed(req: object): req is MalformedRequest {
  return 'malformed' in req;
}

function decoder<T>(
  typeName: string,
  maxBytes: number,
  decode: (bytes: Buffer) => T = (bytes) => decodeMessage<T>(typeName, bytes),
): (bytes: Buffer) => T | MalformedRequest {
  return (bytes) => {
    if (bytes.length > maxBytes) return { malformed: `${typeName} of ${bytes.length} bytes is too large`, tooLarge: bytes.length };
    try {
      return decode(bytes);
    } catch (err) {
      return { malformed: `cannot decode ${typeName}: ${(err as Error).message}` };
    }
  };
}

// Responses are serialised by the streams themselves (envelopes around pre-encoded resources),
// so the transport passes bytes through untouched.
const passThrough = (b: Buffer): Buffer => b;

function streamMethod<Req>(path: string, requestType: string, maxBytes: number, decode?: (bytes: Buffer) => Req): MethodDefinition<Req, Buffer> {
  return {
    path,
    requestStream: true,
    responseStream: true,
    requestSerialize: (req: Req) => encodeMessage(requestType, req as object),
    requestDeserialize: decoder(requestType, maxBytes, decode) as (bytes: Buffer) => Req,
    responseSerialize: passThrough,
    responseDeserialize: passThrough,
  };
}

const SOTW_REQUEST = 'envoy.service.discovery.v3.DiscoveryRequest';
const DELTA_REQUEST = 'envoy.service.discovery.v3.DeltaDiscoveryRequest';

export interface DiscoveryServiceSpec {
  /** Short name for logs, status and metrics: ads, cds, eds, lds, rds, sds. */
  readonly name: string;
  readonly fixedType?: ResourceTypeUrl;
  readonly definition: ServiceDefinition;
  readonly sotwMethod: string;
  readonly deltaMethod: string;
}

function spec(maxBytes: number, name: string, service: string, sotw: string, delta: string, fixedType?: ResourceTypeUrl): DiscoveryServiceSpec {
  return {
    name,
    fixedType,
    sotwMethod: sotw,
    deltaMethod: delta,
    definition: {
      [sotw]: streamMethod<SotwRequest>(`/${service}/${sotw}`, SOTW_REQUEST, maxBytes, decodeSotwRequest),
      [delta]: streamMethod<DeltaRequest>(`/${service}/${delta}`, DELTA_REQUEST, maxBytes),
    },
  };
}

/** How many resource names a (decoded) request names: subscriptions and unsubscriptions alike. */
export function requestNameCount(req: SotwDiscoveryRequest | DeltaDiscoveryRequest__Output): number {
  if ('resource_names_subscribe' in req) return req.resource_names_subscribe.length + req.resource_names_unsubscribe.length;
  return req.namesBytes ? countNames(req.namesBytes) : req.resource_names.length;
}

/** ADS and the per-type discovery services, with the method names Envoy's protos give them; requests over maxBytes are refused. */
export const DISCOVERY_SERVICES = (maxBytes: number): readonly DiscoveryServiceSpec[] => [
  spec(maxBytes, 'ads', 'envoy.service.discovery.v3.AggregatedDiscoveryService', 'StreamAggregatedResources', 'DeltaAggregatedResources'),
  spec(maxBytes, 'cds', 'envoy.service.cluster.v3.ClusterDiscoveryService', 'StreamClusters', 'DeltaClusters', TypeUrl.Cluster),
  spec(maxBytes, 'eds', 'envoy.service.endpoint.v3.EndpointDiscoveryService', 'StreamEndpoints', 'DeltaEndpoints', TypeUrl.ClusterLoadAssignment),
  spec(maxBytes, 'lds', 'envoy.service.listener.v3.ListenerDiscoveryService', 'StreamListeners', 'DeltaListeners', TypeUrl.Listener),
  spec(maxBytes, 'rds', 'envoy.service.route.v3.RouteDiscoveryService', 'StreamRoutes', 'DeltaRoutes', TypeUrl.RouteConfiguration),
  spec(maxBytes, 'sds', 'envoy.service.secret.v3.SecretDiscoveryService', 'StreamSecrets', 'DeltaSecrets', TypeUrl.Secret),
];
