// The HTTP connection manager, shared by Envoy listeners and gRPC API listeners.
import type { Filter } from '../generated/envoy/config/listener/v3/Filter';
import type { RouteConfiguration } from '../generated/envoy/config/route/v3/RouteConfiguration';
import type { HttpConnectionManager } from '../generated/envoy/extensions/filters/network/http_connection_manager/v3/HttpConnectionManager';
import type { HttpFilter } from '../generated/envoy/extensions/filters/network/http_connection_manager/v3/HttpFilter';
import type { Router } from '../generated/envoy/extensions/filters/http/router/v3/Router';
import { packAny } from '../proto/codec';
import { adsConfigSource } from './clusters';
import { FilterName, TypeName } from './type-names';

/** The router must be last; Envoy and gRPC both require it there. */
export function routerFilter(): HttpFilter {
  const router: Router = {};
  return { name: FilterName.Router, typed_config: packAny(TypeName.Router, router) };
}

/** An HCM that fetches its routes over ADS (both consumers accept `ads` as the RDS config source). */
export function rdsConnectionManager(
  statPrefix: string,
  routeConfigName: string,
  filtersBeforeRouter: readonly HttpFilter[],
  codec: 'AUTO' | undefined,
): HttpConnectionManager {
  return {
    ...(codec && { codec_type: codec }),
    stat_prefix: statPrefix,
    rds: { config_source: adsConfigSource(), route_config_name: routeConfigName },
    http_filters: [...filtersBeforeRouter, routerFilter()],
  };
}

/** An HCM carrying its routes inline (the sidecar's inbound side: nothing to fetch, nothing to dangle). */
export function inlineConnectionManager(
  statPrefix: string,
  routeConfig: RouteConfiguration,
  filtersBeforeRouter: readonly HttpFilter[],
  extra: Partial<HttpConnectionManager> = {},
): HttpConnectionManager {
  return {
    ...extra,
    // AUTO: the caller may speak HTTP/1.1 or HTTP/2 with prior knowledge (gRPC).
    codec_type: 'AUTO',
    stat_prefix: statPrefix,
    route_config: routeConfig,
    http_filters: [...filtersBeforeRouter, routerFilter()],
  };
}

export function connectionManagerFilter(hcm: HttpConnectionManager): Filter {
  return { name: FilterName.HttpConnectionManager, typed_config: packAny(TypeName.HttpConnectionManager, hcm) };
}
