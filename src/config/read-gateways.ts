// `gateways:`: ingress gateways, what the public may reach. Translation is translate/gateway.ts.
//
//   gateways:
//     - name: public                       # unique among services and gateways; its SPIFFE ID is
//       accessLog: { to: stdout }          #   spiffe://<trustDomain>/svc/public, so allow lists name it
//       listeners:
//         - port: 8443
//           protocol: https                # https | http | tls-passthrough
//           tls: { certFile: /etc/envoy/tls/shop.crt, keyFile: /etc/envoy/tls/shop.key }
//           #    { issuer: mesh, names: [shop.internal] }     (the mesh CA issues it)
//           routes:
//             - hosts: [shop.example.com]  # default ["*"]
//               match: { pathPrefix: /api, headers: { x-canary: "true" } }
//               destinations: [ { service: frontend, subset: v2, weight: 100 } ]
//               timeout: 5s
//               retries: { attempts: 2, retryOn: "5xx,reset" }
//               cors: { allowOrigins: [https://shop.example.com], allowMethods: [GET, POST], maxAge: 10m }
//         - port: 9443
//           protocol: tls-passthrough
//           routes:
//             - { sni: [legacy.example.com], service: legacy }    # a tcp service; TLS ends at its app

import { isScalar } from 'yaml';
import type {
  Cors,
  GatewayCertificate,
  GatewayDestination,
  GatewayListener,
  GatewayPolicy,
  GatewayProtocol,
  GatewayRoute,
  MeshConfig,
  PassthroughRoute,
} from '../model/mesh';
import { formatDuration } from '../util/durations';
import { closestMatch } from '../util/suggest';
import { MapFields, NON_NEGATIVE, PORT, describe, readDuration, readEnum, readInteger, readList, readString, type Field } from './fields';
import { serviceNameProblem } from './names';
import { definedOnly } from './objects';
import { readMatch, readRetries } from './read-routes';
import { readAccessLog } from './read-telemetry';
import { childPath, type MeshSource } from './source';

export const GATEWAY_PROTOCOLS: readonly GatewayProtocol[] = ['https', 'http', 'tls-passthrough'];

// Host names in routes and SNI: a DNS name, optionally with a leading "*." wildcard, or "*".
const HOST = /^(\*|(\*\.)?[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*)$/;

export function readGateways(src: MeshSource, f: Field): GatewayPolicy[] | undefined {
  const items = readList(src, f);
  if (!items) return undefined;
  const gateways: GatewayPolicy[] = [];
  for (const item of items) {
    const gateway = readGateway(src, item);
    if (gateway) gateways.push(gateway);
  }
  return gateways;
}

function readGateway(src: MeshSource, f: Field): GatewayPolicy | undefined {
  const fields = MapFields.read(src, f, ['name', 'listeners', 'accessLog']);
  if (!fields) return undefined;
  const name = fields.require('name', (v) => readName(src, v), 'every gateway needs a name (bootstrap envoy --gateway NAME)') ?? '';
  const listeners = fields.require('listeners', (v) => readListeners(src, v), 'the ports the gateway opens to the public') ?? [];
  const gateway = definedOnly<GatewayPolicy>({ name, listeners, accessLog: fields.read('accessLog', (v) => readAccessLog(src, v, true)) });
  return src.place(gateway, f.path);
}

function readName(src: MeshSource, f: Field): string | undefined {
  const name = readString(src, f);
  if (name === undefined) return undefined;
  const problem = serviceNameProblem(name)?.replace('service name', 'gateway name');
  if (problem) src.error(f.path, f.at, problem);
  return problem ? undefined : name;
}

function readListeners(src: MeshSource, f: Field): GatewayListener[] | undefined {
  const items = readList(src, f);
  if (!items) return undefined;
  if (items.length === 0) src.error(f.path, f.at, 'a gateway needs at least one listener');
  const listeners: GatewayListener[] = [];
  for (const item of items) {
    const listener = readListener(src, item);
    if (listener) listeners.push(src.place(listener, item.path));
  }
  return listeners;
}

function readListener(src: MeshSource, f: Field): GatewayListener | undefined {
  const fields = MapFields.read(src, f, ['port', 'protocol', 'tls', 'routes']);
  if (!fields) return undefined;
  const port = fields.require('port', (v) => readInteger(src, v, PORT), 'the port the public connects to');
  const protocol = fields.require('protocol', (v) => readEnum(src, v, GATEWAY_PROTOCOLS, 'a gateway protocol'), 'https, http or tls-passthrough');
  const tls = fields.field('tls');
  let certificate: GatewayCertificate | undefined;
  if (protocol === 'https') {
    certificate = fields.require(
      'tls',
      (v) => readCertificate(src, v),
      'the certificate an https listener presents: { certFile, keyFile } or { issuer: mesh, names: [...] }',
    );
  } else if (tls && protocol !== undefined) {
    const why =
      protocol === 'http'
        ? 'http listeners are plaintext; use protocol: https to terminate TLS'
        : 'tls-passthrough listeners do not terminate TLS: the service behind them does';
    src.error(tls.path, tls.at, `tls is only for https listeners: ${why}`);
  }
  const routesField = fields.field('routes');
  if (!routesField || routesField.broken) {
    if (!routesField) src.error(childPath(f.path, 'routes'), f.at, 'missing routes: where the listener sends what arrives');
    return undefined;
  }
  if (protocol === undefined || port === undefined) return undefined;
  const routes = protocol === 'tls-passthrough' ? [] : (readGatewayRoutes(src, routesField) ?? []);
  const passthrough = protocol === 'tls-passthrough' ? (readPassthroughRoutes(src, routesField) ?? []) : [];
  return definedOnly<GatewayListener>({ port, protocol, certificate, routes, passthrough });
}

function readCertificate(src: MeshSource, f: Field): GatewayCertificate | undefined {
  const fields = MapFields.read(src, f, ['certFile', 'keyFile', 'issuer', 'names']);
  if (!fields) return undefined;
  if (fields.has('issuer')) {
    for (const key of ['certFile', 'keyFile']) {
      const other = fields.field(key);
      if (other) src.error(other.path, other.at, `${key} and issuer: mesh exclude each other: the mesh CA issues the certificate, or you give its files`);
    }
    fields.read('issuer', (v) => readEnum(src, v, ['mesh'] as const, 'a certificate issuer'));
    const names = fields.require('names', (v) => readHosts(src, v, false), 'the DNS names the mesh CA puts in the certificate');
    return names && names.length > 0 ? { kind: 'mesh', names } : undefined;
  }
  const names = fields.field('names');
  if (names) src.error(names.path, names.at, 'names is for issuer: mesh; a certificate from files has the names it was issued with');
  const certFile = fields.require('certFile', (v) => readAbsolutePath(src, v), 'the PEM certificate chain on the gateway host (or issuer: mesh)');
  const keyFile = fields.require('keyFile', (v) => readAbsolutePath(src, v), 'the PEM private key on the gateway host');
  return certFile && keyFile ? { kind: 'files', certFile, keyFile } : undefined;
}

function readAbsolutePath(src: MeshSource, f: Field): string | undefined {
  const path = readString(src, f);
  if (path === undefined) return undefined;
  if (path.startsWith('/')) return path;
  src.error(f.path, f.at, `${JSON.stringify(path)} must be an absolute path on the gateway's host`);
  return undefined;
}

function readHosts(src: MeshSource, f: Field, allowAny: boolean): string[] | undefined {
  const items = readList(src, f);
  if (!items) return undefined;
  if (items.length === 0) {
    src.error(f.path, f.at, 'expected at least one host name');
    return undefined;
  }
  const hosts: string[] = [];
  for (const item of items) {
    const host = readString(src, item);
    if (host === undefined) continue;
    if (!HOST.test(host) || (!allowAny && host === '*')) {
      src.error(item.path, item.at, `${JSON.stringify(host)} is not a host name${allowAny ? ', "*.domain" or "*"' : ' or "*.domain"'}`);
      continue;
    }
    hosts.push(host.toLowerCase());
  }
  return hosts;
}

function readGatewayRoutes(src: MeshSource, f: Field): GatewayRoute[] | undefined {
  const items = readList(src, f);
  if (!items) return undefined;
  const routes: GatewayRoute[] = [];
  for (const item of items) {
    const fields = MapFields.read(src, item, ['hosts', 'match', 'destinations', 'timeout', 'retries', 'cors']);
    if (!fields) continue;
    const destinations = fields.require(
      'destinations',
      (v) => readDestinations(src, v),
      'the mesh services matched requests go to, e.g. [ { service: frontend } ]',
    );
    const route = definedOnly<GatewayRoute>({
      hosts: fields.read('hosts', (v) => readHosts(src, v, true)) ?? ['*'],
      match: fields.read('match', (v) => readMatch(src, v)) ?? {},
      destinations: destinations ?? [],
      timeoutMs: fields.read('timeout', (v) => readDuration(src, v, { allowZero: true })),
      retries: fields.read('retries', (v) => readRetries(src, v)),
      cors: fields.read('cors', (v) => readCors(src, v)),
    });
    if (destinations) routes.push(src.place(route, item.path));
  }
  return routes;
}

function readDestinations(src: MeshSource, f: Field): GatewayDestination[] | undefined {
  const items = readList(src, f);
  if (!items) return undefined;
  if (items.length === 0) {
    src.error(f.path, f.at, 'a route needs at least one destination');
    return undefined;
  }
  const out: GatewayDestination[] = [];
  for (const item of items) {
    const fields = MapFields.read(src, item, ['service', 'subset', 'weight']);
    if (!fields) continue;
    const service = fields.require('service', (v) => readString(src, v), 'the mesh service this destination is');
    const subset = fields.read('subset', (v) => readString(src, v));
    const weight =
      items.length === 1 && !fields.has('weight')
        ? 100
        : fields.require('weight', (v) => readInteger(src, v, NON_NEGATIVE), 'a route with several destinations needs a weight on each, summing to 100');
    if (service !== undefined && weight !== undefined) out.push(src.place(definedOnly<GatewayDestination>({ service, subset, weight }), item.path));
  }
  return out;
}

function readPassthroughRoutes(src: MeshSource, f: Field): PassthroughRoute[] | undefined {
  const items = readList(src, f);
  if (!items) return undefined;
  const routes: PassthroughRoute[] = [];
  for (const item of items) {
    const fields = MapFields.read(src, item, ['sni', 'service']);
    if (!fields) continue;
    const sni = fields.require('sni', (v) => readHosts(src, v, false), 'the server names (SNI) this route takes, e.g. [legacy.example.com]');
    const service = fields.require('service', (v) => readString(src, v), 'the tcp service the still-encrypted connection goes to');
    if (sni && service !== undefined) routes.push(src.place({ sni, service }, item.path));
  }
  return routes;
}

function readCors(src: MeshSource, f: Field): Cors | undefined {
  const fields = MapFields.read(src, f, ['allowOrigins', 'allowMethods', 'allowHeaders', 'exposeHeaders', 'maxAge', 'allowCredentials']);
  if (!fields) return undefined;
  const strings = (key: string) => fields.read(key, (v) => readStrings(src, v));
  const allowOrigins = fields.require(
    'allowOrigins',
    (v) => readStrings(src, v),
    'the origins browsers may call from, e.g. [https://shop.example.com], or ["*"]',
  );
  const allowCredentials = fields.read('allowCredentials', (v) => {
    const value = isScalar(v.node) ? v.node.value : undefined;
    if (typeof value === 'boolean') return value;
    src.error(v.path, v.at, `expected true or false, got ${describe(src, v.node)}`);
    return undefined;
  });
  const credentialsField = fields.field('allowCredentials');
  if (allowCredentials === true && allowOrigins?.includes('*') && credentialsField) {
    src.error(credentialsField.path, credentialsField.at, 'browsers refuse credentials with allowOrigins "*"; list the origins');
  }
  if (!allowOrigins) return undefined;
  return definedOnly<Cors>({
    allowOrigins,
    allowMethods: strings('allowMethods'),
    allowHeaders: strings('allowHeaders'),
    exposeHeaders: strings('exposeHeaders'),
    maxAgeMs: fields.read('maxAge', (v) => readDuration(src, v, { allowZero: true })),
    allowCredentials,
  });
}

function readStrings(src: MeshSource, f: Field): string[] | undefined {
  const items = readList(src, f);
  if (!items) return undefined;
  const out: string[] = [];
  for (const item of items) {
    const value = readString(src, item);
    if (value !== undefined && value !== '') out.push(value);
    else if (value === '') src.error(item.path, item.at, 'must not be empty');
  }
  return out;
}

// ---- checks across the file ---------------------------------------------------------------------

/** Names unique across services and gateways, ports unique per gateway, destinations that exist, weights that add up. */
export function checkGateways(src: MeshSource, config: MeshConfig): void {
  const services = new Map(config.services.map((s) => [s.name, s]));
  const seen = new Set<string>();
  for (const gateway of config.gateways ?? []) {
    const path = src.pathOf(gateway);
    if (path === undefined || gateway.name === '') continue;
    const namePath = childPath(path, 'name');
    if (services.has(gateway.name))
      src.error(
        namePath,
        src.whereIs(namePath),
        `${gateway.name} is already a service; gateways and services share one namespace (allow lists and SPIFFE IDs name both)`,
      );
    else if (seen.has(gateway.name)) src.error(namePath, src.whereIs(namePath), `gateway ${gateway.name} is already defined`);
    seen.add(gateway.name);

    const ports = new Map<number, string>();
    for (const listener of gateway.listeners) {
      const listenerPath = src.pathOf(listener);
      if (listenerPath === undefined) continue;
      const portPath = childPath(listenerPath, 'port');
      if (ports.has(listener.port)) src.error(portPath, src.whereIs(portPath), `port ${listener.port} is already a listener of gateway ${gateway.name}`);
      ports.set(listener.port, portPath);
      for (const route of listener.routes) checkRoute(src, config, gateway, route);
      for (const route of listener.passthrough) checkPassthrough(src, config, gateway, route);
    }
  }
}

function checkService(src: MeshSource, config: MeshConfig, gateway: GatewayPolicy, name: string, path: string, protocol: 'tcp' | 'http'): boolean {
  const service = config.services.find((s) => s.name === name);
  if (!service) {
    const guess = closestMatch(
      name,
      config.services.map((s) => s.name),
    );
    src.error(path, src.whereIs(path), `no service named ${name}${guess ? `; did you mean ${guess}?` : ''}`);
    return false;
  }
  if ((service.protocol === 'tcp') !== (protocol === 'tcp')) {
    const why =
      protocol === 'tcp'
        ? 'tls-passthrough forwards whole connections, so its service must be protocol: tcp'
        : `${name} is a tcp service; route to it from a tls-passthrough listener`;
    src.error(path, src.whereIs(path), why);
    return false;
  }
  const admits = service.allow !== undefined ? service.allow.includes(gateway.name) : config.mesh.defaultPolicy === 'allow';
  if (!admits) {
    src.warning(
      path,
      src.whereIs(path),
      `${name} does not allow gateway ${gateway.name} (add it to ${name}'s allow list); the gateway answers this route with 403`,
    );
  }
  return true;
}

function checkRoute(src: MeshSource, config: MeshConfig, gateway: GatewayPolicy, route: GatewayRoute): void {
  const routePath = src.pathOf(route);
  if (routePath === undefined) return;
  const destinationsPath = childPath(routePath, 'destinations');
  const named = new Set<string>();
  for (const d of route.destinations) {
    const dPath = src.pathOf(d) ?? destinationsPath;
    if (!checkService(src, config, gateway, d.service, childPath(dPath, 'service'), 'http')) continue;
    const key = `${d.service}/${d.subset ?? ''}`;
    if (named.has(key))
      src.error(dPath, src.whereIs(dPath), `${d.service}${d.subset ? ` subset ${d.subset}` : ''} is already a destination of this route; merge their weights`);
    named.add(key);
    const subsets = Object.keys(config.services.find((s) => s.name === d.service)!.subsets);
    if (d.subset !== undefined && !subsets.includes(d.subset)) {
      const subsetPath = childPath(dPath, 'subset');
      src.error(subsetPath, src.whereIs(subsetPath), `no subset named ${d.subset}: ${d.service} defines ${subsets.length ? subsets.join(', ') : 'no subsets'}`);
    }
  }
  const total = route.destinations.reduce((sum, d) => sum + d.weight, 0);
  if (total !== 100)
    src.error(
      destinationsPath,
      src.whereIs(destinationsPath),
      `destination weights must sum to 100, but ${route.destinations.map((d) => d.weight).join(' + ')} = ${total}`,
    );
  const perTry = route.retries?.perTryTimeoutMs;
  if (perTry !== undefined && route.timeoutMs !== undefined && route.timeoutMs !== 0 && perTry >= route.timeoutMs) {
    const p = childPath(childPath(routePath, 'retries'), 'perTryTimeout');
    src.warning(
      p,
      src.whereIs(p),
      `perTryTimeout ${formatDuration(perTry)} is not shorter than the route timeout ${formatDuration(route.timeoutMs)}, so no retry can start before the route gives up`,
    );
  }
}

function checkPassthrough(src: MeshSource, config: MeshConfig, gateway: GatewayPolicy, route: PassthroughRoute): void {
  const routePath = src.pathOf(route);
  if (routePath === undefined) return;
  checkService(src, config, gateway, route.service, childPath(routePath, 'service'), 'tcp');
}
