// Replica failover with no full re-push: raw ADS streams (SotW and delta) on replica A, A is
// killed, and the streams reconnect to replica B saying what they hold. Versions are content
// hashes of deterministic translations of the same etcd state, so B recognises them and sends
// nothing until something actually changes, and then only what changed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeltaDiscoveryResponse__Output } from '../../src/generated/envoy/service/discovery/v3/DeltaDiscoveryResponse';
import type { DiscoveryResponse__Output } from '../../src/generated/envoy/service/discovery/v3/DiscoveryResponse';
import { TypeUrl } from '../../src/proto/type-urls';
import { deltaClient, resourceNames, sotwClient, type DeltaClient, type SotwClient } from '../support/ads-client';
import { startEtcd, type EtcdCluster } from '../support/etcd-cluster';
import { adminJson, type ServeProcess } from '../support/serve-process';
import { openHttpMesh, startReplica, uniquePrefix, writeMesh } from './replicas';

const NODE = { id: 'frontend-1', cluster: 'frontend', user_agent_name: 'envoy' };
const MESH = openHttpMesh({ frontend: undefined, catalog: undefined, orders: undefined });

let etcd: EtcdCluster;
let a: ServeProcess;
let b: ServeProcess;
const clients: Array<SotwClient | DeltaClient> = [];

beforeAll(async () => {
  etcd = await startEtcd(1);
  const prefix = uniquePrefix();
  const mesh = writeMesh(MESH);
  a = await startReplica(etcd, prefix, ['--config', mesh]);
  b = await startReplica(etcd, prefix, ['--config', mesh]);
  for (const [service, id, address] of [
    ['catalog', 'catalog-1', '10.0.0.1'],
    ['orders', 'orders-1', '10.0.0.2'],
  ] as const) {
    expect((await adminJson(a.adminUrl, 'PUT', `/v1/services/${service}/instances/${id}`, { address, port: 15006 })).status).toBe(200);
  }
});

afterAll(async () => {
  for (const c of clients) c.close();
  await Promise.all([a?.stop('SIGKILL'), b?.stop()]);
  await etcd?.close();
});

function sotw(address: string): SotwClient {
  const c = sotwClient(address);
  clients.push(c);
  return c;
}

function delta(address: string): DeltaClient {
  const c = deltaClient(address);
  clients.push(c);
  return c;
}

/** Waits for the response of one type (pushes of other types may be interleaved and are ACKed). */
async function nextOfType<T extends { type_url: string }>(c: { inbox: { next(ms?: number): Promise<T> }; ack(res: T): void }, typeUrl: string): Promise<T> {
  for (;;) {
    const res = await c.inbox.next(10_000);
    if (res.type_url === typeUrl) return res;
    c.ack(res);
  }
}

interface SotwHeld {
  readonly versions: Map<string, string>;
  readonly edsNames: string[];
}

interface DeltaHeld {
  readonly versions: Map<string, Record<string, string>>;
  readonly edsNames: string[];
}

const held: { sotw?: SotwHeld; delta?: DeltaHeld } = {};

describe('failover from replica A to replica B', () => {
  it('streams on A get and ACK CDS, EDS and LDS', async () => {
    const s = sotw(a.xdsAddress);
    const versions = new Map<string, string>();
    s.send({ node: NODE, type_url: TypeUrl.Cluster, resource_names: [] });
    const cds = await nextOfType<DiscoveryResponse__Output>(s, TypeUrl.Cluster);
    s.ack(cds);
    versions.set(TypeUrl.Cluster, cds.version_info);
    const edsNames = resourceNames(cds).filter((n) => n.startsWith('catalog') || n.startsWith('orders'));
    expect(edsNames.length).toBeGreaterThan(0);
    s.send({ node: NODE, type_url: TypeUrl.ClusterLoadAssignment, resource_names: edsNames });
    const eds = await nextOfType<DiscoveryResponse__Output>(s, TypeUrl.ClusterLoadAssignment);
    s.ack(eds, edsNames);
    versions.set(TypeUrl.ClusterLoadAssignment, eds.version_info);
    s.send({ node: NODE, type_url: TypeUrl.Listener, resource_names: [] });
    const lds = await nextOfType<DiscoveryResponse__Output>(s, TypeUrl.Listener);
    s.ack(lds);
    versions.set(TypeUrl.Listener, lds.version_info);
    held.sotw = { versions, edsNames };

    const d = delta(a.xdsAddress);
    const deltaVersions = new Map<string, Record<string, string>>();
    d.send({ node: NODE, type_url: TypeUrl.Cluster });
    const dcds = await nextOfType<DeltaDiscoveryResponse__Output>(d, TypeUrl.Cluster);
    d.ack(dcds);
    deltaVersions.set(TypeUrl.Cluster, Object.fromEntries(dcds.resources.map((r) => [r.name, r.version])));
    d.send({ node: NODE, type_url: TypeUrl.ClusterLoadAssignment, resource_names_subscribe: edsNames });
    const deds = await nextOfType<DeltaDiscoveryResponse__Output>(d, TypeUrl.ClusterLoadAssignment);
    d.ack(deds);
    deltaVersions.set(TypeUrl.ClusterLoadAssignment, Object.fromEntries(deds.resources.map((r) => [r.name, r.version])));
    held.delta = { versions: deltaVersions, edsNames };
    expect(await s.inbox.quiet(300)).toBe(true);
  });

  it('B computes the very same versions for the same state', async () => {
    const fresh = sotw(b.xdsAddress);
    fresh.send({ node: { ...NODE, id: 'frontend-2' }, type_url: TypeUrl.Cluster, resource_names: [] });
    expect((await nextOfType<DiscoveryResponse__Output>(fresh, TypeUrl.Cluster)).version_info).toBe(held.sotw!.versions.get(TypeUrl.Cluster));
    fresh.close();
  });

  it('after A is killed, streams reconnecting to B with what they hold are sent nothing, then only what changes', async () => {
    await a.stop('SIGKILL');
    const { versions, edsNames } = held.sotw!;
    const s = sotw(b.xdsAddress);
    // What Envoy sends on a new stream: the last ACKed version_info, no nonce.
    s.send({ node: NODE, type_url: TypeUrl.Cluster, version_info: versions.get(TypeUrl.Cluster)!, resource_names: [] });
    s.send({ node: NODE, type_url: TypeUrl.ClusterLoadAssignment, version_info: versions.get(TypeUrl.ClusterLoadAssignment)!, resource_names: edsNames });
    s.send({ node: NODE, type_url: TypeUrl.Listener, version_info: versions.get(TypeUrl.Listener)!, resource_names: [] });

    const d = delta(b.xdsAddress);
    const deltaHeld = held.delta!;
    d.send({ node: NODE, type_url: TypeUrl.Cluster, initial_resource_versions: deltaHeld.versions.get(TypeUrl.Cluster)! });
    d.send({
      node: NODE,
      type_url: TypeUrl.ClusterLoadAssignment,
      resource_names_subscribe: deltaHeld.edsNames,
      initial_resource_versions: deltaHeld.versions.get(TypeUrl.ClusterLoadAssignment)!,
    });

    expect(await s.inbox.quiet(1_500)).toBe(true);
    // Delta answers a wildcard subscription even when there is nothing new, with an empty
    // response: no resource is re-sent and none removed.
    const emptyAnswer = await d.inbox.next(5_000);
    expect(emptyAnswer).toMatchObject({ type_url: TypeUrl.Cluster, resources: [], removed_resources: [] });
    d.ack(emptyAnswer);
    expect(await d.inbox.quiet(500)).toBe(true);

    // A real change (through B: A is gone) reaches both streams, and only the changed type/resource.
    expect((await adminJson(b.adminUrl, 'PUT', '/v1/services/catalog/instances/catalog-2', { address: '10.0.0.3', port: 15006 })).status).toBe(200);
    const eds = await s.inbox.next(10_000);
    expect(eds.type_url).toBe(TypeUrl.ClusterLoadAssignment);
    expect(eds.version_info).not.toBe(versions.get(TypeUrl.ClusterLoadAssignment));
    s.ack(eds, edsNames);
    const deds = await d.inbox.next(10_000);
    expect(deds.type_url).toBe(TypeUrl.ClusterLoadAssignment);
    // Exactly catalog's load assignments (at least one), none of orders'.
    const catalogEds = deltaHeld.edsNames.filter((n) => n.startsWith('catalog'));
    expect(catalogEds.length).toBeGreaterThan(0);
    expect(deds.resources.map((r) => r.name).sort()).toEqual([...catalogEds].sort());
    expect(deds.removed_resources).toEqual([]);
    d.ack(deds);
    expect(await s.inbox.quiet(500)).toBe(true);
    expect(await d.inbox.quiet(200)).toBe(true);
  });
});
