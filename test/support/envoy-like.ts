// A raw ADS client that behaves like an Envoy sidecar's xDS subscriptions: CDS and LDS wildcard,
// then EDS for every EDS cluster it was sent and RDS for every RDS route config its listeners
// name, ACKing each response (or NACKing the types a test asks it to). Used where a test needs a
// real, synced sidecar stream without an Envoy binary.
import { decodeMessage, expandAnys } from '../../src/proto/codec';
import { TypeUrl } from '../../src/proto/type-urls';
import type { DiscoveryResponse__Output } from '../../src/generated/envoy/service/discovery/v3/DiscoveryResponse';
import { sotwClient, type SotwClient } from './ads-client';

export interface EnvoyLike {
  readonly client: SotwClient;
  /** Names the proxy holds per type (what it last ACKed). */
  readonly held: Map<string, string[]>;
  /** Subscribes EDS and RDS now (by default they follow CDS and LDS at once). */
  followUp(): void;
  close(): void;
}

export function envoyLike(address: string, node: { id: string; cluster: string }, opts: { nackTypes?: string[]; holdFollowUps?: boolean } = {}): EnvoyLike {
  const client = sotwClient(address);
  const held = new Map<string, string[]>();
  let clusters: string[] = [];
  let routeConfigs: string[] = [];
  let followUps = !opts.holdFollowUps;
  const subscribed = new Map<string, string>();
  const subscribe = (typeUrl: string, names: string[]) => {
    const key = JSON.stringify(names);
    if (subscribed.get(typeUrl) === key) return;
    subscribed.set(typeUrl, key);
    client.send({ type_url: typeUrl, resource_names: names });
  };
  const sendFollowUps = () => {
    if (!followUps) return;
    if (clusters.length > 0) subscribe(TypeUrl.ClusterLoadAssignment, clusters);
    if (routeConfigs.length > 0) subscribe(TypeUrl.RouteConfiguration, routeConfigs);
  };
  client.call.on('data', (res: DiscoveryResponse__Output) => {
    const decoded = res.resources.map((any) => expandAnys(decodeMessage(any.type_url, any.value)) as Record<string, unknown>);
    if (opts.nackTypes?.includes(res.type_url)) {
      client.nack(
        res,
        `${res.type_url.split('.').pop()} ${decoded.map((d) => d.name ?? d.cluster_name).join(',')}: rejected by the test`,
        subscribed.get(res.type_url) ? JSON.parse(subscribed.get(res.type_url)!) : [],
      );
      return;
    }
    if (res.type_url === TypeUrl.Cluster) {
      clusters = decoded
        .filter((c) => c.type === 'EDS')
        .map((c) => String(c.name))
        .sort();
    }
    if (res.type_url === TypeUrl.Listener) {
      routeConfigs = [...JSON.stringify(decoded).matchAll(/"route_config_name":"([^"]+)"/g)].map((m) => m[1]!).sort();
    }
    held.set(
      res.type_url,
      decoded.map((d) => String(d.name ?? d.cluster_name)),
    );
    client.ack(res, subscribed.get(res.type_url) ? JSON.parse(subscribed.get(res.type_url)!) : []);
    sendFollowUps();
  });
  client.send({ node: { ...node, user_agent_name: 'envoy' }, type_url: TypeUrl.Cluster });
  subscribed.set(TypeUrl.Cluster, '[]');
  client.send({ type_url: TypeUrl.Listener });
  subscribed.set(TypeUrl.Listener, '[]');
  return {
    client,
    held,
    followUp: () => {
      followUps = true;
      sendFollowUps();
    },
    close: () => client.close(),
  };
}
