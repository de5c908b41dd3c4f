// What a proxyless gRPC client gets: for each service it may call, the API listener
// `xds:///<service>` resolves to, its route configuration, clusters and endpoints.
import { TypeUrl } from '../proto/type-urls';
import type { TranslateContext } from './context';
import { addGrpcServerResources } from './grpc-server';
import { buildApiListener } from './listeners';
import { memoized } from './memo';
import { apiListenerName, serviceRouteConfigName } from './names';
import { addServiceClusters } from './outbound-service';
import { reachableServices } from './reachability';
import type { ResourceCollector } from './resource-collector';
import { buildServiceRouteConfiguration } from './routes';

export function addGrpcClientResources(ctx: TranslateContext, out: ResourceCollector): void {
  for (const name of reachableServices(ctx.state.config, ctx.proxy.service)) {
    const service = ctx.services.get(name);
    // A gRPC channel speaks HTTP/2 requests; a raw tcp service is nothing it can call.
    if (!service || service.protocol === 'tcp') continue;
    out.add(
      TypeUrl.Listener,
      apiListenerName(name),
      memoized(ctx, [service], 'api-listener', '', () => buildApiListener(service)),
    );
    out.add(TypeUrl.RouteConfiguration, serviceRouteConfigName(name), buildServiceRouteConfiguration(ctx, service));
    addServiceClusters(ctx, service, out);
  }
  // An xDS-enabled gRPC server of the proxy's own service asks for its listener too (grpc-server.ts).
  addGrpcServerResources(ctx, out);
  out.addAll(TypeUrl.Secret, ctx.security.secrets(ctx));
}
