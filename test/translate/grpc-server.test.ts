// xDS-enabled gRPC servers (gRFC A36/A29/A41): the listener a proxyless server of service S asks
// for, `grpc/server?xds.resource.listening_address=<ip>:<port>`, is in S's gRPC group, passes
// validateMessage and grpc-js-xds's own listener validation, and carries RBAC and mTLS.
import { vi, describe, expect, it } from 'vitest';

// grpc-js-xds reads this once, when it loads: without it the RBAC HTTP filter is not registered.
vi.hoisted(() => {
  process.env.GRPC_XDS_EXPERIMENTAL_RBAC = 'true';
});

import { register } from '@grpc/grpc-js-xds';
import { validateBootstrapConfig } from '@grpc/grpc-js-xds/build/src/xds-bootstrap';
import { ListenerResourceType } from '@grpc/grpc-js-xds/build/src/xds-resource-type/listener-resource-type';
import type { XdsDecodeContext } from '@grpc/grpc-js-xds/build/src/xds-resource-type/xds-resource-type';
import type { MeshSettings, MeshState, ProxyIdentity } from '../../src/model';
import { validateMessage } from '../../src/proto/validate';
import { TypeUrl } from '../../src/proto/type-urls';
import { grpcServerListenerName } from '../../src/translate/grpc-server';
import { GRPC_CERTIFICATE_PROVIDER_INSTANCE, meshSecurity } from '../../src/translate/mesh-security';
import { translateForProxy } from '../../src/translate/translate';
import { envoy, grpcClient, instance, meshState, service } from './support/mesh-fixtures';
import { decodeReadable, encodeResource, TYPE_ORDER, typeNameOf } from './support/render';

const PREFIX = 'grpc/server?xds.resource.listening_address=';

function mesh(mtls: MeshSettings['mtls'], instanceOrder: 'asc' | 'desc' = 'asc'): MeshState {
  const instances = [
    instance('catalog', 'catalog-1', '127.0.0.1', 9001),
    instance('catalog', 'catalog-2', '10.0.0.2', 9002, { health: 'unhealthy' }),
    // Same address as catalog-1: one listener only (the first by id).
    instance('catalog', 'catalog-3', '127.0.0.1', 9001),
    // At the sidecar inbound port: an Envoy sidecar serves it, no gRPC server listener.
    instance('catalog', 'catalog-4', '10.0.0.4', 15006),
    instance('catalog', 'catalog-5', '::1', 9005),
    instance('orders', 'orders-1', '127.0.0.1', 9100),
  ];
  if (instanceOrder === 'desc') instances.reverse();
  return meshState(
    [
      service('frontend', { protocol: 'grpc' }),
      service('orders', { protocol: 'grpc' }),
      service('catalog', { protocol: 'grpc', allow: ['frontend', 'orders', 'frontend'] }),
      service('payments', { protocol: 'grpc', allow: [] }),
      service('db', { protocol: 'tcp', port: 5432 }),
    ],
    [...instances, instance('db', 'db-1', '127.0.0.1', 5432), instance('payments', 'payments-1', '127.0.0.1', 9200)],
    { mtls, defaultPolicy: 'deny' },
  );
}

const translate = (state: MeshState, proxy: ProxyIdentity) => translateForProxy(state, proxy, { security: meshSecurity() });
const readable = (message: object) => decodeReadable(TypeUrl.Listener, encodeResource(TypeUrl.Listener, message)) as Record<string, unknown>;
function serverListeners(state: MeshState, proxy: ProxyIdentity) {
  return translate(state, proxy).resources[TypeUrl.Listener].filter((l) => l.name.startsWith(PREFIX));
}

const rbacFilter = (principals: string[]) => ({
  name: 'envoy.filters.http.rbac',
  typed_config: {
    '@type': 'type.googleapis.com/envoy.extensions.filters.http.rbac.v3.RBAC',
    rules:
      principals.length === 0
        ? { action: 'ALLOW' }
        : {
            action: 'ALLOW',
            policies: {
              'allow-list': {
                permissions: [{ any: true }],
                principals: principals.map((p) => ({ authenticated: { principal_name: { exact: `spiffe://switchyard.local/svc/${p}` } } })),
              },
            },
          },
  },
});
const router = { name: 'envoy.filters.http.router', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router' } };
const downstreamTls = {
  name: 'envoy.transport_sockets.tls',
  typed_config: {
    '@type': 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext',
    common_tls_context: {
      validation_context: { ca_certificate_provider_instance: { instance_name: 'switchyard', certificate_name: 'ROOTCA' } },
      tls_certificate_provider_instance: { instance_name: 'switchyard', certificate_name: 'default' },
    },
    require_client_certificate: { value: true },
  },
};
function expectedListener(service: string, address: string, port: number, filters: object[], tls: boolean) {
  return {
    name: grpcServerListenerName(address, port),
    address: { socket_address: { address, port_value: port } },
    filter_chains: [
      {
        filters: [
          {
            name: 'envoy.filters.network.http_connection_manager',
            typed_config: {
              '@type': 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
              stat_prefix: `inbound_${service}`,
              route_config: {
                name: `inbound|${service}`,
                virtual_hosts: [{ name: `inbound|${service}`, domains: ['*'], routes: [{ match: { prefix: '' }, non_forwarding_action: {} }] }],
              },
              http_filters: filters,
            },
          },
        ],
        ...(tls && { transport_socket: downstreamTls }),
      },
    ],
    traffic_direction: 'INBOUND',
  };
}

describe('gRPC server listeners: names and topology', () => {
  it('names follow the bootstrap template; IPv6 hosts are bracketed as grpc-js formats them', () => {
    expect(grpcServerListenerName('127.0.0.1', 50051)).toBe(`${PREFIX}127.0.0.1:50051`);
    expect(grpcServerListenerName('::1', 50051)).toBe(`${PREFIX}[::1]:50051`);
  });

  it('a gRPC proxy of catalog gets one listener per distinct catalog address (unhealthy too, not the sidecar port), sorted', () => {
    expect(serverListeners(mesh('strict'), grpcClient('catalog')).map((l) => l.name)).toEqual([
      `${PREFIX}10.0.0.2:9002`,
      `${PREFIX}127.0.0.1:9001`,
      `${PREFIX}[::1]:9005`,
    ]);
  });

  it("only its own service: frontend gets none of catalog's; tcp services and Envoy sidecars get none", () => {
    expect(serverListeners(mesh('strict'), grpcClient('frontend'))).toEqual([]);
    expect(serverListeners(mesh('strict'), grpcClient('db'))).toEqual([]);
    expect(serverListeners(mesh('strict'), envoy('catalog'))).toEqual([]);
    expect(serverListeners(mesh('strict'), grpcClient('orders')).map((l) => l.name)).toEqual([`${PREFIX}127.0.0.1:9100`]);
  });

  it('deterministic: instance order does not matter, and two translations encode byte for byte alike', () => {
    const enc = (state: MeshState) => serverListeners(state, grpcClient('catalog')).map((l) => encodeResource(TypeUrl.Listener, l.message).toString('base64'));
    expect(enc(mesh('strict', 'desc'))).toEqual(enc(mesh('strict')));
    expect(enc(mesh('strict'))).toEqual(enc(mesh('strict')));
  });
});

describe('gRPC server listeners: golden shapes', () => {
  it('strict: RBAC principals from the allow list (mesh order, no repeats), then router; DownstreamTlsContext from the certificate provider', () => {
    const [first] = serverListeners(mesh('strict'), grpcClient('catalog'));
    expect(readable(first.message)).toEqual(expectedListener('catalog', '10.0.0.2', 9002, [rbacFilter(['frontend', 'orders']), router], true));
  });

  it('permissive serves the same TLS chain (grpc-js cannot sniff TLS); an empty allow list denies everyone; no allow list under deny too', () => {
    const [l] = serverListeners(mesh('permissive'), grpcClient('payments'));
    expect(readable(l.message)).toEqual(expectedListener('payments', '127.0.0.1', 9200, [rbacFilter([]), router], true));
    const [o] = serverListeners(mesh('permissive'), grpcClient('orders'));
    expect(readable(o.message)).toEqual(expectedListener('orders', '127.0.0.1', 9100, [rbacFilter([]), router], true));
  });

  it('defaultPolicy allow and no allow list: no RBAC filter at all', () => {
    const state = meshState([service('orders', { protocol: 'grpc' })], [instance('orders', 'o', '127.0.0.1', 9100)], {
      mtls: 'strict',
      defaultPolicy: 'allow',
    });
    const [o] = serverListeners(state, grpcClient('orders'));
    expect(readable(o.message)).toEqual(expectedListener('orders', '127.0.0.1', 9100, [router], true));
  });

  it('disabled: plaintext, no RBAC (no caller has an identity), just the router', () => {
    const [first] = serverListeners(mesh('disabled'), grpcClient('catalog'));
    expect(readable(first.message)).toEqual(expectedListener('catalog', '10.0.0.2', 9002, [router], false));
  });

  it('without security hooks (PLAINTEXT) there is no TLS and no RBAC either', () => {
    const l = translateForProxy(mesh('strict'), grpcClient('catalog')).resources[TypeUrl.Listener].find((r) => r.name.startsWith(PREFIX))!;
    expect(readable(l.message)).toEqual(expectedListener('catalog', '10.0.0.2', 9002, [router], false));
  });
});

describe('gRPC server listeners: validation', () => {
  register();
  const bootstrapWith = (providers: Record<string, object>) =>
    validateBootstrapConfig({
      xds_servers: [{ server_uri: '127.0.0.1:18000', channel_creds: [{ type: 'insecure' }], server_features: ['xds_v3'] }],
      node: { id: 'translate-test', locality: {} },
      certificate_providers: providers,
      server_listener_resource_name_template: 'grpc/server?xds.resource.listening_address=%s',
    });
  const provider = {
    plugin_name: 'file_watcher',
    config: { certificate_file: '/c/cert.pem', private_key_file: '/c/key.pem', ca_certificate_file: '/c/ca.pem', refresh_interval: '60s' },
  };
  const contextFor = (providers: Record<string, object>): XdsDecodeContext => {
    const bootstrap = bootstrapWith(providers);
    return { server: bootstrap.xdsServers[0], bootstrap };
  };
  const decode = (context: XdsDecodeContext, message: object) =>
    ListenerResourceType.get().decode(context, { type_url: TypeUrl.Listener, value: encodeResource(TypeUrl.Listener, message) });

  for (const mtls of ['strict', 'permissive', 'disabled'] as const) {
    for (const svc of ['catalog', 'orders', 'payments']) {
      it(`${mtls} / grpc:${svc}: every resource passes validateMessage and grpc-js-xds accepts every listener`, () => {
        const { resources } = translate(mesh(mtls), grpcClient(svc));
        const problems: string[] = [];
        for (const { typeUrl } of TYPE_ORDER) {
          for (const r of resources[typeUrl]) {
            for (const p of validateMessage(typeNameOf(typeUrl), r.message)) problems.push(`${r.name}: ${p.path}: ${p.message}`);
          }
        }
        expect(problems).toEqual([]);
        const context = contextFor({ [GRPC_CERTIFICATE_PROVIDER_INSTANCE]: provider });
        const rejected = resources[TypeUrl.Listener].map((l) => decode(context, l.message)).filter((r) => r.error !== undefined);
        expect(rejected).toEqual([]);
        expect(resources[TypeUrl.Listener].some((l) => l.name.startsWith(PREFIX))).toBe(true);
      });
    }
  }

  it('the check can fail: a bootstrap without the certificate provider makes grpc-js-xds reject the strict listener', () => {
    const [l] = serverListeners(mesh('strict'), grpcClient('catalog'));
    const result = decode(contextFor({}), l.message);
    expect(result.error).toMatch(/tls_certificate_provider_instance|ca_certificate_provider/);
  });
});
