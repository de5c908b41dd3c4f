// From resources back to the mesh file: which setting of which service produced a listener, a
// route, a cluster, and where it is written (file:line:column). Translation names resources
// after services and subsets (src/translate/names.ts), so the names lead back to the settings.
import type { MeshLocations } from '../config/parse';
import type { Location, MeshConfig, ServicePolicy } from '../model';

/** One mesh-file setting an explanation points at. */
export interface MeshPlace {
  /** What the setting is, e.g. `catalog route 1 match` or `payments allow`. */
  readonly what: string;
  /** Its path in the mesh file, e.g. `services[2].routes[0].match`. */
  readonly path: string;
  /** `file:line:column` (or the file alone when the setting is not written: a default). */
  readonly at: string;
}

export function formatLocation(loc: Location): string {
  if (!loc.file) return '(unknown)';
  return loc.line ? `${loc.file}:${loc.line}${loc.column ? `:${loc.column}` : ''}` : loc.file;
}

/** Settings of one mesh version, found by service, route and subset. */
export class MeshPlaces {
  private readonly index = new Map<string, number>();

  constructor(
    readonly config: MeshConfig,
    private readonly locations: MeshLocations | undefined,
  ) {
    for (const [i, s] of config.services.entries()) this.index.set(s.name, i);
  }

  service(name: string): ServicePolicy | undefined {
    const i = this.index.get(name);
    return i === undefined ? undefined : this.config.services[i];
  }

  private place(what: string, path: string, key = false): MeshPlace {
    const loc = this.locations ? (key ? this.locations.whereKeyIs(path) : this.locations.whereIs(path)) : {};
    return { what, path, at: formatLocation(loc.file ? loc : { file: this.locations?.file }) };
  }

  private servicePath(name: string): string | undefined {
    const i = this.index.get(name);
    return i === undefined ? undefined : `services[${i}]`;
  }

  /** The service's entry (its `- name:` line). */
  serviceEntry(name: string): MeshPlace | undefined {
    const p = this.servicePath(name);
    return p === undefined ? undefined : this.place(`service ${name}`, `${p}.name`);
  }

  route(service: string, index: number): MeshPlace | undefined {
    const p = this.servicePath(service);
    return p === undefined ? undefined : this.place(`${service} route ${index + 1}`, `${p}.routes[${index}]`);
  }

  routeMatch(service: string, index: number): MeshPlace | undefined {
    const p = this.servicePath(service);
    if (p === undefined) return undefined;
    const route = this.config.services[this.index.get(service)!]!.routes[index];
    // A route with no `match` matches everything; point at the route itself then.
    const hasMatch = route !== undefined && Object.keys(route.match).length > 0;
    return this.place(`${service} route ${index + 1} match`, hasMatch ? `${p}.routes[${index}].match` : `${p}.routes[${index}]`);
  }

  destination(service: string, routeIndex: number, destIndex: number): MeshPlace | undefined {
    const p = this.servicePath(service);
    return p === undefined
      ? undefined
      : this.place(`${service} route ${routeIndex + 1} destination ${destIndex + 1}`, `${p}.routes[${routeIndex}].destinations[${destIndex}]`);
  }

  subset(service: string, subset: string): MeshPlace | undefined {
    const p = this.servicePath(service);
    return p === undefined ? undefined : this.place(`${service} subset ${subset}`, `${p}.subsets.${subset}`, true);
  }

  trafficPolicy(service: string): MeshPlace | undefined {
    const p = this.servicePath(service);
    const svc = this.service(service);
    return p === undefined || !svc?.trafficPolicy ? undefined : this.place(`${service} trafficPolicy`, `${p}.trafficPolicy`);
  }

  staticEndpoint(service: string, index: number): MeshPlace | undefined {
    const p = this.servicePath(service);
    return p === undefined ? undefined : this.place(`${service} static endpoint ${index + 1}`, `${p}.endpoints[${index}]`);
  }

  /**
   * What decides who may call `service`: its `allow` list when it has one, else
   * mesh.defaultPolicy (written, or the default `allow` when the file says nothing).
   */
  callPolicy(service: string): MeshPlace | undefined {
    const p = this.servicePath(service);
    const svc = this.service(service);
    if (p === undefined || !svc) return undefined;
    if (svc.allow !== undefined) return this.place(`${service} allow [${svc.allow.join(', ')}]`, `${p}.allow`);
    return this.place(`mesh.defaultPolicy ${this.config.mesh.defaultPolicy} (${service} has no allow list)`, 'mesh.defaultPolicy');
  }

  /** The tcp service an outbound listener on `port` serves. */
  tcpServiceOnPort(port: number): ServicePolicy | undefined {
    return this.config.services.find((s) => s.protocol === 'tcp' && s.port === port);
  }
}
