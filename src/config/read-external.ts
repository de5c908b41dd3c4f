// `external`: a service outside the mesh (a payment provider, a SaaS API) that mesh services call
// by a service name like any other, and that a sidecar reaches through a DNS cluster.

import type { ExternalService, ExternalTls } from '../model/mesh';
import { MapFields, PORT, readEnum, readInteger, readList, readString, type Field } from './fields';
import { endpointAddressProblem } from './names';
import type { MeshSource } from './source';

export const EXTERNAL_TLS_MODES: readonly ExternalTls[] = ['originate', 'passthrough', 'none'];

export function readExternal(src: MeshSource, f: Field): ExternalService | undefined {
  const fields = MapFields.read(src, f, ['hosts', 'port', 'tls']);
  if (!fields) return undefined;
  const hosts = fields.require('hosts', (v) => readHosts(src, v), 'the DNS names the provider answers on, e.g. [ api.example.com ]');
  const port = fields.require('port', (v) => readInteger(src, v, PORT), "the provider's port, e.g. 443");
  // Required rather than defaulted: silently sending plaintext to a provider, or TLS to a plaintext
  // one, is the kind of mistake that only shows in production.
  const tls = fields.require(
    'tls',
    (v) => readEnum(src, v, EXTERNAL_TLS_MODES, 'a TLS mode'),
    'originate (the sidecar opens TLS), passthrough (the app does TLS itself) or none',
  );
  if (hosts === undefined || port === undefined || tls === undefined) return undefined;
  return { hosts, port, tls };
}

function readHosts(src: MeshSource, f: Field): string[] | undefined {
  const items = readList(src, f);
  if (!items) return undefined;
  if (items.length === 0) {
    src.error(f.path, f.at, 'an external service needs at least one host');
    return undefined;
  }
  const hosts: string[] = [];
  let valid = true;
  for (const item of items) {
    const host = readString(src, item);
    if (host === undefined) {
      valid = false;
      continue;
    }
    const problem = endpointAddressProblem(host);
    if (problem) {
      src.error(item.path, item.at, problem);
      valid = false;
    } else if (hosts.includes(host)) {
      src.warning(item.path, item.at, `${host} is already listed`);
    } else {
      hosts.push(host);
    }
  }
  return valid ? hosts : undefined;
}
