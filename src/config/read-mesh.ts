// The top of the mesh file: optional `mesh` settings and the required `services` list.

import type { DefaultPolicy, MeshConfig, MeshSettings, MtlsMode, ServicePolicy } from '../model/mesh';
import { DEFAULT_MESH_SETTINGS } from '../model/mesh';
import { MapFields, readEnum, readList, readString, type Field } from './fields';
import { trustDomainProblem } from './names';
import { definedOnly } from './objects';
import { readGateways } from './read-gateways';
import { readService } from './read-service';
import { readAccessLog, readTracing } from './read-telemetry';
import type { MeshSource } from './source';

export const MTLS_MODES: readonly MtlsMode[] = ['strict', 'permissive', 'disabled'];
export const DEFAULT_POLICIES: readonly DefaultPolicy[] = ['allow', 'deny'];

export function readMeshConfig(src: MeshSource, root: Field): MeshConfig | undefined {
  const fields = MapFields.read(src, root, ['mesh', 'services', 'gateways']);
  if (!fields) return undefined;
  const mesh = fields.read('mesh', (v) => readMeshSettings(src, v)) ?? DEFAULT_MESH_SETTINGS;
  // Required even though it may be empty: a file without it is more likely a wrong file than an empty mesh.
  const services = fields.require('services', (v) => readServices(src, v), 'the list of services in the mesh (may be [])') ?? [];
  const gateways = fields.read('gateways', (v) => readGateways(src, v));
  return gateways === undefined ? { mesh, services } : { mesh, services, gateways };
}

function readMeshSettings(src: MeshSource, f: Field): MeshSettings | undefined {
  const fields = MapFields.read(src, f, ['trustDomain', 'mtls', 'defaultPolicy', 'accessLog', 'tracing']);
  if (!fields) return undefined;
  return definedOnly<MeshSettings>({
    trustDomain: fields.read('trustDomain', (v) => readTrustDomain(src, v)) ?? DEFAULT_MESH_SETTINGS.trustDomain,
    mtls: fields.read('mtls', (v) => readEnum(src, v, MTLS_MODES, 'an mTLS mode')) ?? DEFAULT_MESH_SETTINGS.mtls,
    defaultPolicy: fields.read('defaultPolicy', (v) => readEnum(src, v, DEFAULT_POLICIES, 'a default policy')) ?? DEFAULT_MESH_SETTINGS.defaultPolicy,
    accessLog: fields.read('accessLog', (v) => readAccessLog(src, v, false)),
    tracing: fields.read('tracing', (v) => readTracing(src, v)),
  });
}

function readTrustDomain(src: MeshSource, f: Field): string | undefined {
  const domain = readString(src, f);
  if (domain === undefined) return undefined;
  const problem = trustDomainProblem(domain);
  if (problem) src.error(f.path, f.at, problem);
  return problem ? undefined : domain;
}

function readServices(src: MeshSource, f: Field): ServicePolicy[] | undefined {
  const items = readList(src, f);
  if (!items) return undefined;
  const services: ServicePolicy[] = [];
  for (const item of items) {
    const service = readService(src, item);
    if (service) services.push(service);
  }
  return services;
}
