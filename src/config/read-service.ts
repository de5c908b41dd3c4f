// One entry of `services`: identity, port, subsets, policy, routes, callers and static endpoints.

import type { ExternalService, ServicePolicy, ServiceProtocol, StaticEndpoint } from '../model/mesh';
import { MapFields, PORT, POSITIVE, readEntries, readEnum, readInteger, readList, readString, readStringMap, type Field, type IntegerRange } from './fields';
import { endpointAddressProblem, serviceNameProblem, subsetNameProblem } from './names';
import { definedOnly } from './objects';
import { readExternal } from './read-external';
import { readRoutes } from './read-routes';
import { readAccessLog } from './read-telemetry';
import { readTrafficPolicy } from './read-traffic-policy';
import { childPath, type MeshSource } from './source';

export const PROTOCOLS: readonly ServiceProtocol[] = ['http', 'grpc', 'tcp'];

const SERVICE_KEYS = ['name', 'protocol', 'port', 'subsets', 'trafficPolicy', 'routes', 'allow', 'endpoints', 'external', 'rateLimit', 'accessLog'];

// Matches the registry's instance weight range (model/instance.ts).
const ENDPOINT_WEIGHT: IntegerRange = { min: 1, max: 128, meaning: 'an endpoint weight, an integer from 1 to 128' };

/**
 * Reads what it can even when parts are wrong; the placeholders it leaves for missing
 * required values ('' name, port 0) never escape, because a file with errors yields no config.
 */
export function readService(src: MeshSource, f: Field): ServicePolicy | undefined {
  const fields = MapFields.read(src, f, SERVICE_KEYS);
  if (!fields) return undefined;
  const name = fields.require('name', (v) => readServiceName(src, v), 'every service needs a name') ?? '';
  const protocol = fields.has('protocol') ? fields.read('protocol', (v) => readEnum(src, v, PROTOCOLS, 'a protocol')) : 'http';
  const external = fields.read('external', (v) => readExternal(src, v));
  // An external service is addressed on its provider's port unless the mesh names another.
  const port =
    (fields.has('external') && !fields.has('port')
      ? external?.port
      : fields.require('port', (v) => readInteger(src, v, PORT), 'the port clients address the service on')) ?? 0;
  const service = definedOnly<ServicePolicy>({
    name,
    protocol: protocol ?? 'http',
    port,
    subsets: fields.read('subsets', (v) => readSubsets(src, v)) ?? {},
    trafficPolicy: fields.read('trafficPolicy', (v) => readTrafficPolicy(src, v)),
    routes: fields.read('routes', (v) => readRoutes(src, v, protocol)) ?? [],
    allow: fields.read('allow', (v) => readAllow(src, v)),
    endpoints: fields.read('endpoints', (v) => readEndpoints(src, v, port)) ?? [],
    external,
    rateLimit: fields.read('rateLimit', (v) => readRateLimit(src, v, protocol)),
    accessLog: fields.read('accessLog', (v) => readAccessLog(src, v, true)),
  });
  if (fields.has('external')) checkExternalService(src, fields, protocol, external);
  checkHealthCheckProtocol(src, service, protocol, f.path);
  return src.place(service, f.path);
}

function readServiceName(src: MeshSource, f: Field): string | undefined {
  const name = readString(src, f);
  if (name === undefined) return undefined;
  const problem = serviceNameProblem(name);
  if (problem) src.error(f.path, f.at, problem);
  return problem ? undefined : name;
}

function readSubsets(src: MeshSource, f: Field): Record<string, Record<string, string>> | undefined {
  const entries = readEntries(src, f);
  if (!entries) return undefined;
  const subsets: Record<string, Record<string, string>> = {};
  for (const entry of entries) {
    const problem = subsetNameProblem(entry.key);
    if (problem) src.error(entry.value.path, entry.keyAt, problem);
    // Kept even when its selector is bad, so routes naming it are not also flagged.
    subsets[entry.key] = (entry.value.broken ? undefined : readStringMap(src, entry.value)) ?? {};
  }
  return subsets;
}

function readAllow(src: MeshSource, f: Field): string[] | undefined {
  const items = readList(src, f);
  if (!items) return undefined;
  const names: string[] = [];
  const paths: string[] = [];
  for (const item of items) {
    const name = readString(src, item);
    if (name === undefined) continue;
    if (names.includes(name)) {
      src.warning(item.path, item.at, `${name} is already listed`);
      continue;
    }
    names.push(name);
    paths.push(item.path);
  }
  return src.placeItems(names, paths);
}

function readEndpoints(src: MeshSource, f: Field, servicePort: number): StaticEndpoint[] | undefined {
  const items = readList(src, f);
  if (!items) return undefined;
  const endpoints: StaticEndpoint[] = [];
  for (const item of items) {
    const fields = MapFields.read(src, item, ['address', 'port', 'labels', 'zone', 'region', 'weight']);
    if (!fields) continue;
    const address = fields.require('address', (v) => readAddress(src, v), 'the IP address or hostname of the instance');
    // Like an Istio ServiceEntry endpoint, an instance listens on the service port unless told.
    const port = fields.read('port', (v) => readInteger(src, v, PORT)) ?? servicePort;
    const endpoint = definedOnly<StaticEndpoint>({
      address: address ?? '',
      port,
      labels: fields.read('labels', (v) => readStringMap(src, v)),
      zone: fields.read('zone', (v) => readZone(src, v)),
      region: fields.read('region', (v) => readZone(src, v)),
      weight: fields.read('weight', (v) => readInteger(src, v, ENDPOINT_WEIGHT)),
    });
    if (address !== undefined) endpoints.push(src.place(endpoint, item.path));
  }
  return endpoints;
}

function readAddress(src: MeshSource, f: Field): string | undefined {
  const address = readString(src, f);
  if (address === undefined) return undefined;
  const problem = endpointAddressProblem(address);
  if (problem) src.error(f.path, f.at, problem);
  return problem ? undefined : address;
}

function readZone(src: MeshSource, f: Field): string | undefined {
  const zone = readString(src, f);
  if (zone === '') src.error(f.path, f.at, 'a zone or region must not be empty; omit it instead');
  return zone === '' ? undefined : zone;
}

/**
 * An external service has no instances of its own (its hosts are resolved by DNS), and is reached
 * only by the services its allow list names: calling out of the mesh is opted into per caller,
 * whatever mesh.defaultPolicy says.
 */
function checkExternalService(src: MeshSource, fields: MapFields, protocol: ServiceProtocol | undefined, read: ExternalService | undefined): void {
  for (const key of ['endpoints', 'subsets'] as const) {
    const f = fields.field(key);
    if (f) src.error(f.path, f.at, `an external service has no instances to list or group; its hosts are resolved by DNS, so remove ${key}`);
  }
  const external = fields.field('external');
  if (!fields.has('allow') && external) {
    src.error(external.path, external.at, 'an external service needs an allow list naming the services that may call out to it, e.g. allow: [ payments ]');
  }
  if (external && read?.tls === 'passthrough' && protocol !== undefined && protocol !== 'tcp') {
    const path = childPath(external.path, 'tls');
    src.error(
      path,
      src.whereIs(path),
      "tls: passthrough forwards the app's own TLS untouched, so the sidecar cannot read HTTP; declare protocol: tcp, or use tls: originate",
    );
  }
}

/** A gRPC health probe is an HTTP/2 call, which Envoy makes only to a cluster speaking HTTP/2 (a grpc service). */
function checkHealthCheckProtocol(src: MeshSource, service: ServicePolicy, protocol: ServiceProtocol | undefined, servicePath: string): void {
  const hc = service.trafficPolicy?.healthCheck;
  if (!hc || protocol === undefined) return;
  const path = childPath(childPath(childPath(servicePath, 'trafficPolicy'), 'healthCheck'), hc.grpc ? 'grpc' : 'http');
  if (hc.grpc && protocol !== 'grpc')
    src.error(path, src.whereKeyIs(path), `a grpc health check needs a grpc service (HTTP/2); ${service.name} is ${protocol}: use http: { path } or tcp: true`);
  if (hc.http && protocol === 'tcp') src.error(path, src.whereKeyIs(path), `${service.name} is tcp: probe it with tcp: true`);
}

function readRateLimit(src: MeshSource, f: Field, protocol: ServiceProtocol | undefined): ServicePolicy['rateLimit'] {
  if (protocol === 'tcp') {
    src.error(f.path, f.at, 'tcp services have no requests to rate-limit');
    return undefined;
  }
  const fields = MapFields.read(src, f, ['requestsPerSecond', 'burst']);
  if (!fields) return undefined;
  const requestsPerSecond = fields.require('requestsPerSecond', (v) => readInteger(src, v, POSITIVE), 'requests each instance admits per second');
  // A burst below the rate would cap every second's requests at the burst, not the rate.
  const burst = fields.read('burst', (v) => readInteger(src, v, POSITIVE));
  const burstField = fields.field('burst');
  if (burst !== undefined && requestsPerSecond !== undefined && burst < requestsPerSecond && burstField) {
    src.error(
      burstField.path,
      burstField.at,
      `burst ${burst} is below requestsPerSecond ${requestsPerSecond}: at most ${burst} requests could pass in any second; raise it or omit it (it defaults to requestsPerSecond)`,
    );
    return undefined;
  }
  if (requestsPerSecond === undefined) return undefined;
  return { requestsPerSecond, burst: burst ?? requestsPerSecond };
}
