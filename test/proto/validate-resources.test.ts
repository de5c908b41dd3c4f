import { describe, expect, it } from 'vitest';
import { encodeMessage, packAny } from '../../src/proto/codec';
import { validateMessage, validateMessageBytes } from '../../src/proto/validate';
import { edsCluster, hcm, HCM, listener, loadAssignment, routeConfig, ROUTER, tlsSecret, UPSTREAM_TLS } from './envoy-fixtures';
import { expectExactly, expectValid } from './problems';

const CLUSTER = 'envoy.config.cluster.v3.Cluster';
const LISTENER = 'envoy.config.listener.v3.Listener';
const CLA = 'envoy.config.endpoint.v3.ClusterLoadAssignment';
const SECRET = 'envoy.extensions.transport_sockets.tls.v3.Secret';
const ROUTE = 'envoy.config.route.v3.RouteConfiguration';

const CHAIN = 'filter_chains[0].filters[0].typed_config';

describe('valid Envoy resources', () => {
  it.each([
    ['an EDS cluster with TLS and HTTP/2 options', CLUSTER, edsCluster()],
    ['a listener with an http_connection_manager and inline routes', LISTENER, listener()],
    ['a ClusterLoadAssignment', CLA, loadAssignment()],
    ['a Secret with a tls_certificate', SECRET, tlsSecret()],
    ['a RouteConfiguration', ROUTE, routeConfig()],
  ])('accepts %s, as an object and as bytes', (_what, type, message) => {
    expectValid(validateMessage(type, message));
    expectValid(validateMessageBytes(type, encodeMessage(type, message)));
  });

  it('accepts type names given as type URLs', () => {
    expectValid(validateMessage(`type.googleapis.com/${CLUSTER}`, edsCluster()));
  });

  it('accepts proto-loader output conventions: oneof discriminators, Longs, numeric enums, base64 bytes', () => {
    const cluster = { ...edsCluster(), cluster_discovery_type: 'type', type: 3, connect_timeout: { seconds: { low: 5, high: 0, unsigned: false }, nanos: 0 } };
    expectValid(validateMessage(CLUSTER, cluster));
    const secret = {
      name: 's',
      tls_certificate: { certificate_chain: { inline_bytes: Buffer.from('pem').toString('base64') }, private_key: { inline_bytes: Buffer.from('key') } },
    };
    expectValid(validateMessage(SECRET, secret));
  });
});

describe('Cluster failures', () => {
  it('empty name breaks string.min_len', () => {
    expectExactly(validateMessage(CLUSTER, { ...edsCluster(), name: '' }), 'name string.min_len');
  });

  it('an unset name is the empty string, and PGV checks it', () => {
    const { name: _name, ...rest } = edsCluster();
    expectExactly(validateMessage(CLUSTER, rest), 'name string.min_len');
  });

  it('a negative connect_timeout breaks duration.gt (and Envoy refuses negative durations)', () => {
    expectExactly(
      validateMessage(CLUSTER, { ...edsCluster(), connect_timeout: { seconds: -1 } }),
      'connect_timeout duration.gt',
      'connect_timeout envoy.duration',
    );
  });

  it('a zero connect_timeout breaks duration.gt', () => {
    expectExactly(validateMessage(CLUSTER, { ...edsCluster(), connect_timeout: { seconds: 0, nanos: 0 } }), 'connect_timeout duration.gt');
  });

  it('an unknown field is an error, with the likely name', () => {
    const problems = validateMessage(CLUSTER, { ...edsCluster(), conect_timeout: { seconds: 1 } });
    expectExactly(problems, 'conect_timeout shape.unknown_field');
    expect(problems[0].message).toContain('did you mean connect_timeout?');
  });

  it('a camelCase key in a proto-loader object is an unknown field', () => {
    const problems = validateMessage(CLUSTER, { ...edsCluster(), lbPolicy: 'RING_HASH' });
    expectExactly(problems, 'lbPolicy shape.unknown_field');
    expect(problems[0].message).toContain('lb_policy');
  });

  it('an unknown enum name is an error; an undefined enum number breaks enum.defined_only', () => {
    expectExactly(validateMessage(CLUSTER, { ...edsCluster(), lb_policy: 'ROUND_ROBINN' }), 'lb_policy shape.type');
    expectExactly(validateMessage(CLUSTER, { ...edsCluster(), lb_policy: 42 }), 'lb_policy enum.defined_only');
  });

  it('wrong JS types are errors: a string for a Duration, a bare number for a UInt32Value, a number for a string', () => {
    const cluster = edsCluster();
    const problems = validateMessage(CLUSTER, {
      ...cluster,
      name: 7,
      connect_timeout: '5s',
      circuit_breakers: { thresholds: [{ max_connections: 1024 }] },
    });
    expectExactly(problems, 'name shape.type', 'connect_timeout shape.type', 'circuit_breakers.thresholds[0].max_connections shape.type');
  });

  it('rules on a wrapper apply to its value, and only when the wrapper is set', () => {
    const ratio = (value: unknown) => validateMessage(CLUSTER, { ...edsCluster(), preconnect_policy: value });
    expectExactly(ratio({ per_upstream_preconnect_ratio: { value: 5 } }), 'preconnect_policy.per_upstream_preconnect_ratio double.gte,lte');
    // An empty wrapper holds the default 0, which PGV checks.
    expectExactly(ratio({ per_upstream_preconnect_ratio: {} }), 'preconnect_policy.per_upstream_preconnect_ratio double.gte,lte');
    expectValid(ratio({ per_upstream_preconnect_ratio: { value: 1.5 } }));
    expectValid(ratio({}));
  });

  it('a range on a plain double field (Percent.value in [0, 100])', () => {
    const cluster = { ...edsCluster(), common_lb_config: { healthy_panic_threshold: { value: 101 } } };
    expectExactly(validateMessage(CLUSTER, cluster), 'common_lb_config.healthy_panic_threshold.value double.gte,lte');
  });
});

describe('Listener and http_connection_manager failures', () => {
  it('port_value above 65535 breaks uint32.lte', () => {
    const l = { ...listener(), address: { socket_address: { address: '0.0.0.0', port_value: 70000 } } };
    expectExactly(validateMessage(LISTENER, l), 'address.socket_address.port_value uint32.lte');
  });

  it('two members of a oneof is an error at the oneof', () => {
    const l = { ...listener(), address: { socket_address: { address: '0.0.0.0', port_value: 80, named_port: 'http' } } };
    expectExactly(validateMessage(LISTENER, l), 'address.socket_address.port_specifier shape.oneof');
  });

  it('a required oneof with no member set breaks (validate.required)', () => {
    const l = { ...listener(), address: { socket_address: { address: '0.0.0.0' } } };
    expectExactly(validateMessage(LISTENER, l), 'address.socket_address.port_specifier oneof.required');
  });

  it('a listener without an address passes PGV: the v3 protos have no rule for it', () => {
    const { address: _address, ...rest } = listener();
    expectValid(validateMessage(LISTENER, rest));
  });

  it('an empty HCM stat_prefix breaks string.min_len, with the path through typed_config', () => {
    expectExactly(validateMessage(LISTENER, listener(hcm({ stat_prefix: '' }))), `${CHAIN}.stat_prefix string.min_len`);
  });

  it('an HCM with neither rds nor route_config breaks the required route_specifier oneof', () => {
    const { route_config: _rc, ...noRoutes } = hcm();
    expectExactly(validateMessage(LISTENER, listener(noRoutes)), `${CHAIN}.route_specifier oneof.required`);
  });

  it('a virtual host without domains breaks repeated.min_items', () => {
    const rc = routeConfig();
    const vhosts = rc.virtual_hosts as Record<string, unknown>[];
    const bad = { ...rc, virtual_hosts: [{ ...vhosts[0], domains: [] }] };
    expectExactly(validateMessage(LISTENER, listener(hcm({ route_config: bad }))), `${CHAIN}.route_config.virtual_hosts[0].domains repeated.min_items`);
  });

  it('a domain with a control character breaks the HTTP_HEADER_VALUE item rule', () => {
    const bad = { name: 'r', virtual_hosts: [{ name: 'v', domains: ['ok', 'bad\u0000host'] }] };
    expectExactly(validateMessage(ROUTE, bad), 'virtual_hosts[0].domains[1] string.well_known_regex');
  });

  it('weighted clusters: an empty list breaks repeated.min_items; a route with no action target breaks its oneof', () => {
    const routes = (route: Record<string, unknown>) => ({
      name: 'r',
      virtual_hosts: [{ name: 'v', domains: ['*'], routes: [{ match: { prefix: '/' }, route }] }],
    });
    expectExactly(
      validateMessage(ROUTE, routes({ weighted_clusters: { clusters: [] } })),
      'virtual_hosts[0].routes[0].route.weighted_clusters.clusters repeated.min_items',
    );
    expectExactly(validateMessage(ROUTE, routes({ timeout: { seconds: 1 } })), 'virtual_hosts[0].routes[0].route.cluster_specifier oneof.required');
  });

  it('an Any with an unknown type_url is an error', () => {
    const l = listener();
    const bad = {
      ...l,
      filter_chains: [
        { filters: [{ name: 'x', typed_config: { type_url: 'type.googleapis.com/envoy.extensions.filters.network.nope.v3.Nope', value: Buffer.alloc(0) } }] },
      ],
    };
    expectExactly(validateMessage(LISTENER, bad), `${CHAIN}.type_url any.type_url`);
  });

  it('an Any with no type_url is an error', () => {
    const bad = { ...listener(), filter_chains: [{ filters: [{ name: 'x', typed_config: {} }] }] };
    expectExactly(validateMessage(LISTENER, bad), `${CHAIN}.type_url any.type_url`);
  });

  it('a bad typed_config inside an Any inside an Any is reported through both', () => {
    // Router bytes with an extra field number 99 that Router does not have.
    const router = encodeMessage(ROUTER, {});
    const withUnknown = Buffer.concat([router, Buffer.from([0x98, 0x06, 0x01])]);
    const filters = [{ name: 'envoy.filters.http.router', typed_config: { type_url: `type.googleapis.com/${ROUTER}`, value: withUnknown } }];
    expectExactly(validateMessage(LISTENER, listener(hcm({ http_filters: filters }))), `${CHAIN}.http_filters[0].typed_config decode.unknown_field`);
  });

  it('an Any packed with the wrong message type fails to decode strictly', () => {
    // A Cluster's bytes claimed to be an HttpConnectionManager.
    const wrong = { type_url: `type.googleapis.com/${HCM}`, value: encodeMessage(CLUSTER, edsCluster()) };
    const problems = validateMessage(LISTENER, { ...listener(), filter_chains: [{ filters: [{ name: 'x', typed_config: wrong }] }] });
    expect(problems.length).toBeGreaterThan(0);
    expect(problems.every((p) => p.path.startsWith(CHAIN))).toBe(true);
  });

  it('accepts proto-loader\'s {"@type": ...} Any form and validates its fields inline', () => {
    const typed = { '@type': `type.googleapis.com/${HCM}`, ...hcm({ stat_prefix: '' }) };
    const l = { ...listener(), filter_chains: [{ filters: [{ name: 'x', typed_config: typed }] }] };
    expectExactly(validateMessage(LISTENER, l), `${CHAIN}.stat_prefix string.min_len`);
    expectValid(validateMessage(LISTENER, { ...l, filter_chains: [{ filters: [{ name: 'x', typed_config: { ...typed, stat_prefix: 'ok' } }] }] }));
  });

  it('typed_extension_protocol_options map values are decoded and validated, with the key in the path', () => {
    const options = packAny('envoy.extensions.upstreams.http.v3.HttpProtocolOptions', {
      explicit_http_config: { http2_protocol_options: { max_concurrent_streams: { value: 0 } } },
    });
    const cluster = { ...edsCluster(), typed_extension_protocol_options: { 'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': options } };
    expectExactly(
      validateMessage(CLUSTER, cluster),
      'typed_extension_protocol_options["envoy.extensions.upstreams.http.v3.HttpProtocolOptions"].explicit_http_config.http2_protocol_options.max_concurrent_streams uint32.gte,lte',
    );
  });
});

describe('ClusterLoadAssignment and Secret failures', () => {
  it('an empty cluster_name breaks string.min_len', () => {
    expectExactly(validateMessage(CLA, { ...loadAssignment(), cluster_name: '' }), 'cluster_name string.min_len');
  });

  it('a zero load_balancing_weight breaks uint32.gte; a zero overprovisioning_factor breaks uint32.gt', () => {
    const cla = loadAssignment();
    const endpoints = cla.endpoints as Record<string, unknown>[];
    const lbEndpoints = endpoints[0].lb_endpoints as Record<string, unknown>[];
    const bad = {
      ...cla,
      endpoints: [{ ...endpoints[0], lb_endpoints: [{ ...lbEndpoints[0], load_balancing_weight: { value: 0 } }] }],
      policy: { overprovisioning_factor: { value: 0 } },
    };
    expectExactly(validateMessage(CLA, bad), 'endpoints[0].lb_endpoints[0].load_balancing_weight uint32.gte', 'policy.overprovisioning_factor uint32.gt');
  });

  it('an endpoint priority above 128 breaks uint32.lte', () => {
    const cla = loadAssignment();
    const endpoints = cla.endpoints as Record<string, unknown>[];
    expectExactly(validateMessage(CLA, { ...cla, endpoints: [{ ...endpoints[0], priority: 129 }] }), 'endpoints[0].priority uint32.lte');
  });

  it('a DataSource with no source breaks its required oneof', () => {
    const secret = { name: 's', tls_certificate: { certificate_chain: {}, private_key: { inline_string: 'k' } } };
    expectExactly(validateMessage(SECRET, secret), 'tls_certificate.certificate_chain.specifier oneof.required');
  });

  it('a Secret without a name passes PGV (Secret.name has no rule; SdsSecretConfig.name does)', () => {
    expectValid(validateMessage(SECRET, { ...tlsSecret(), name: '' }));
    const tls = { common_tls_context: { tls_certificate_sds_secret_configs: [{ name: '' }] } };
    const cluster = { ...edsCluster(), transport_socket: { name: 'tls', typed_config: packAny(UPSTREAM_TLS, tls) } };
    expectExactly(
      validateMessage(CLUSTER, cluster),
      'transport_socket.typed_config.common_tls_context.tls_certificate_sds_secret_configs[0].name string.min_len',
    );
  });

  it('an unknown message type name is a problem, not an exception', () => {
    expectExactly(validateMessage('envoy.config.cluster.v3.Clusterr', {}), ' type');
  });
});
