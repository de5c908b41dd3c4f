// What an Envoy sidecar of service S gets: an inbound listener to S's application,
// and for the services S may call, outbound listeners with their routes, clusters and endpoints.
import type { ServicePolicy } from '../model';
import { TypeUrl } from '../proto/type-urls';
import { buildInboundCluster } from './clusters';
import type { TranslateContext } from './context';
import { buildInboundListener, buildSidecarHttpOutboundListener, buildSidecarTcpOutboundListener } from './listeners';
import { inboundClusterName, sidecarListenerName, sidecarOutboundRouteConfigName } from './names';
import { addServiceClusters } from './outbound-service';
import { reachableServices } from './reachability';
import type { ResourceCollector } from './resource-collector';
import { buildSidecarOutboundRouteConfiguration } from './routes';
import { addTelemetryClusters, sidecarSubject } from './telemetry';

export function addEnvoySidecarResources(ctx: TranslateContext, out: ResourceCollector): void {
  const own = ctx.services.get(ctx.proxy.service);
  const { inboundPort, outboundHttpPort, outboundAddress } = ctx.options;
  if (own) {
    out.add(TypeUrl.Cluster, inboundClusterName(own.name), buildInboundCluster(ctx, own));
    out.add(TypeUrl.Listener, sidecarListenerName('inbound', inboundPort), buildInboundListener(ctx, own));
  } else {
    ctx.warnings.add(ctx.proxy.service, `no service named ${JSON.stringify(ctx.proxy.service)} in the mesh file; the sidecar gets no inbound listener`);
  }

  // Ports the sidecar's host already uses: the app's own port and the sidecar's listeners.
  const taken = new Map<number, string>([[inboundPort, 'the inbound listener']]);
  if (own) taken.set(own.port, `the local ${own.name} application`);

  // The app reaches its own service directly, never through its sidecar's outbound side.
  const callable = reachableServices(ctx.state.config, ctx.proxy.service)
    .filter((name) => name !== ctx.proxy.service)
    .map((name) => ctx.services.get(name))
    .filter((s): s is ServicePolicy => s !== undefined);

  let http = callable.filter((s) => s.protocol !== 'tcp');
  if (http.length > 0) {
    const holder = taken.get(outboundHttpPort);
    if (holder === undefined) {
      taken.set(outboundHttpPort, 'the HTTP outbound listener');
      out.add(TypeUrl.Listener, sidecarListenerName('outbound', outboundHttpPort), buildSidecarHttpOutboundListener(ctx, http));
      out.add(TypeUrl.RouteConfiguration, sidecarOutboundRouteConfigName(outboundHttpPort), buildSidecarOutboundRouteConfiguration(ctx, http));
    } else {
      ctx.warnings.add(
        ctx.proxy.service,
        `cannot open the HTTP outbound listener on ${outboundAddress}:${outboundHttpPort}: the port is taken by ${holder}; no HTTP service is reachable from this sidecar`,
      );
      http = [];
    }
  }

  const tcp: ServicePolicy[] = [];
  for (const service of callable.filter((s) => s.protocol === 'tcp')) {
    const holder = taken.get(service.port);
    if (holder !== undefined) {
      // Nothing is sent for a service without a listener: clusters nobody can use are only noise.
      ctx.warnings.add(
        ctx.proxy.service,
        `cannot give tcp service ${service.name} an outbound listener on ${outboundAddress}:${service.port}: the port is taken by ${holder}; ${service.name} is unreachable from this sidecar`,
      );
      continue;
    }
    taken.set(service.port, `the outbound listener for ${service.name}`);
    out.add(TypeUrl.Listener, sidecarListenerName('outbound', service.port), buildSidecarTcpOutboundListener(ctx, service));
    tcp.push(service);
  }

  for (const service of [...http, ...tcp]) addServiceClusters(ctx, service, out);
  addTelemetryClusters(ctx, sidecarSubject(ctx), out);
  out.addAll(TypeUrl.Secret, ctx.security.secrets(ctx));
}
