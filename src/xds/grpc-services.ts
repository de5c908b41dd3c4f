import type { MethodDefinition, ServiceDefinition } from '@grpc/grpc-js';
import type { DeltaDiscoveryRequest__Output } from '../generated/envoy/service/discovery/v3/DeltaDiscoveryRequest';
import { decodeMessage, encodeMessage } from '../proto/codec';
import { TypeUrl, type ResourceTypeUrl } from '../proto/type-urls';
import { decodeSotwRequest, type SotwDiscoveryRequest } from './sotw-request';

/** A request the server could not decode; handed to the handler so it can log and count it. */
export interface MalformedRequest {
  readonly malformed: string;
}

export type SotwRequest = SotwDiscoveryRequest | MalformedRequest;
export type DeltaRequest = DeltaDiscoveryRequest__Output | MalformedRequest;

export function isMalformed(req: object): req is MalformedRequest {
  return 'malformed' in req;
}

function decoder<T>(typeName: string, decode: (bytes: Buffer) => T = (bytes) => decodeMessage<T>(typeName, bytes)): (bytes: Buffer) => T | MalformedRequest {
  return (bytes) => {
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

function streamMethod<Req>(path: string, requestType: string, decode?: (bytes: Buffer) => Req): MethodDefinition<Req, Buffer> {
  return {
    path,
    requestStream: true,
    responseStream: true,
    requestSerialize: (req: Req) => encodeMessage(requestType, req as object),
    requestDeserialize: decoder(requestType, decode) as (bytes: Buffer) => Req,
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

function spec(name: string, service: string, sotw: string, delta: string, fixedType?: ResourceTypeUrl): DiscoveryServiceSpec {
  return {
    name,
    fixedType,
    sotwMethod: sotw,
    deltaMethod: delta,
    definition: {
      [sotw]: streamMethod<SotwRequest>(`/${service}/${sotw}`, SOTW_REQUEST, decodeSotwRequest),
      [delta]: streamMethod<DeltaRequest>(`/${service}/${delta}`, DELTA_REQUEST),
    },
  };
}

/** ADS and the per-type discovery services, with the method names Envoy's protos give them. */
export const DISCOVERY_SERVICES: readonly DiscoveryServiceSpec[] = [
  spec('ads', 'envoy.service.discovery.v3.AggregatedDiscoveryService', 'StreamAggregatedResources', 'DeltaAggregatedResources'),
  spec('cds', 'envoy.service.cluster.v3.ClusterDiscoveryService', 'StreamClusters', 'DeltaClusters', TypeUrl.Cluster),
  spec('eds', 'envoy.service.endpoint.v3.EndpointDiscoveryService', 'StreamEndpoints', 'DeltaEndpoints', TypeUrl.ClusterLoadAssignment),
  spec('lds', 'envoy.service.listener.v3.ListenerDiscoveryService', 'StreamListeners', 'DeltaListeners', TypeUrl.Listener),
  spec('rds', 'envoy.service.route.v3.RouteDiscoveryService', 'StreamRoutes', 'DeltaRoutes', TypeUrl.RouteConfiguration),
  spec('sds', 'envoy.service.secret.v3.SecretDiscoveryService', 'StreamSecrets', 'DeltaSecrets', TypeUrl.Secret),
];
