// The names a proxy subscribes to next, read from the resources it just received: a cluster's
// EDS name, a listener's route configuration names, a route configuration's clusters. Field
// numbers from envoy/config/{cluster,listener,route}/v3 and the HTTP connection manager.
import type { ResourceRef } from './envelopes';
import { forEachField, stringsAt, valuesAt } from './protowire';

const CLUSTER_TYPE_EDS = 3;
const HCM_TYPE_URL = 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager';

/** The ClusterLoadAssignment name an EDS cluster needs, or undefined for other cluster types. */
export function edsNameOf(r: ResourceRef): string | undefined {
  let name = '';
  let type = 0;
  let serviceName = '';
  let seen = 0;
  // Stops once name, type and eds_cluster_config are read: the rest of a cluster is long.
  forEachField(
    r.buf,
    (f) => {
      if (f.number === 1) name = r.buf.toString('utf8', f.start, f.end);
      else if (f.number === 2) type = f.varint;
      else if (f.number === 3) serviceName = stringsAt(r.buf, [2], f.start, f.end)[0] ?? '';
      else return false;
      return ++seen === 3;
    },
    r.start,
    r.end,
  );
  return type === CLUSTER_TYPE_EDS ? serviceName || name : undefined;
}

function hcmRouteNames(buf: Buffer, any: { start: number; end: number }): string[] {
  const typeUrl = stringsAt(buf, [1], any.start, any.end)[0];
  if (typeUrl !== HCM_TYPE_URL) return [];
  // HttpConnectionManager.rds (3) → Rds.route_config_name (2)
  return valuesAt(buf, [2], any.start, any.end).flatMap((v) => stringsAt(buf, [3, 2], v.start, v.end));
}

/** Route configurations a listener refers to over RDS: in its filter chains or its API listener. */
export function routeNamesOf(r: ResourceRef): string[] {
  const anys = [
    ...valuesAt(r.buf, [3, 3, 4], r.start, r.end), // filter_chains → filters → typed_config
    ...valuesAt(r.buf, [25, 3, 4], r.start, r.end), // default_filter_chain → filters → typed_config
    ...valuesAt(r.buf, [19, 1], r.start, r.end), // api_listener → api_listener
  ];
  return anys.flatMap((a) => hcmRouteNames(r.buf, a));
}

/** Clusters a route configuration's routes send traffic to. */
export function clusterNamesOf(r: ResourceRef): string[] {
  const actions = valuesAt(r.buf, [2, 3, 2], r.start, r.end); // virtual_hosts → routes → route
  return actions.flatMap((a) => [
    ...stringsAt(r.buf, [1], a.start, a.end), // cluster
    ...stringsAt(r.buf, [3, 1, 1], a.start, a.end), // weighted_clusters → clusters → name
  ]);
}
