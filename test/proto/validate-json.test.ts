import { describe, expect, it } from 'vitest';
import { parse as parseYaml, stringify as toYaml } from 'yaml';
import { encodeMessage } from '../../src/proto/codec';
import { validateMessageBytes } from '../../src/proto/validate';
import { jsonToMessage, validateJsonMessage } from '../support/proto-json';
import { parseJsonDuration, parseJsonFieldMask, parseJsonTimestamp } from '../support/proto-json/json-wkt';
import { bootstrapJson, HTTP_OPTIONS } from './envoy-fixtures';
import { expectExactly, expectValid } from './problems';

const BOOTSTRAP = 'envoy.config.bootstrap.v3.Bootstrap';
const CLUSTER0 = 'static_resources.clusters[0]';
const OPTIONS = `${CLUSTER0}.typed_extension_protocol_options["${HTTP_OPTIONS}"]`;

type Json = Record<string, unknown>;
function clusterOf(bootstrap: Json): Json {
  return ((bootstrap.staticResources as Json).clusters as Json[])[0];
}

describe('validateJsonMessage on an Envoy bootstrap', () => {
  it('accepts a small bootstrap with ADS and a static cluster, as JSON and as YAML', () => {
    expectValid(validateJsonMessage(BOOTSTRAP, bootstrapJson()));
    expectValid(validateJsonMessage(BOOTSTRAP, parseYaml(toYaml(bootstrapJson())) as unknown));
  });

  it('accepts proto field names as well as lowerCamelCase', () => {
    const snake = {
      node: { id: 'n', cluster: 'c' },
      dynamic_resources: {
        ads_config: { api_type: 'GRPC', transport_api_version: 'V3', grpc_services: [{ envoy_grpc: { cluster_name: 'xds' } }] },
        cds_config: { ads: {}, resource_api_version: 'V3' },
      },
      static_resources: {
        clusters: [
          {
            name: 'xds',
            type: 'STATIC',
            connect_timeout: '0.25s',
            load_assignment: {
              cluster_name: 'xds',
              endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: '127.0.0.1', port_value: 18000 } } } }] }],
            },
          },
        ],
      },
    };
    expectValid(validateJsonMessage(BOOTSTRAP, snake));
  });

  it("rejects a typo'd field, at its place, with a suggestion", () => {
    const bootstrap = bootstrapJson();
    const { connectTimeout, ...cluster } = clusterOf(bootstrap);
    (bootstrap.staticResources as Json).clusters = [{ ...cluster, conectTimeout: connectTimeout }];
    const problems = validateJsonMessage(BOOTSTRAP, bootstrap);
    expectExactly(problems, `${CLUSTER0}.conectTimeout shape.unknown_field`);
    expect(problems[0].message).toContain('did you mean connectTimeout?');
  });

  it("rejects a typo'd top-level section", () => {
    const { dynamicResources, ...rest } = bootstrapJson();
    expectExactly(validateJsonMessage(BOOTSTRAP, { ...rest, dynamicResource: dynamicResources }), 'dynamicResource shape.unknown_field');
  });

  it('rejects a field given under both of its names', () => {
    const bootstrap = bootstrapJson();
    (bootstrap.staticResources as Json).clusters = [{ ...clusterOf(bootstrap), connect_timeout: '2s' }];
    expectExactly(validateJsonMessage(BOOTSTRAP, bootstrap), `${CLUSTER0}.connect_timeout shape.duplicate_field`);
  });

  it('reads durations as strings only, and still applies duration rules', () => {
    const withTimeout = (connectTimeout: unknown) => {
      const bootstrap = bootstrapJson();
      (bootstrap.staticResources as Json).clusters = [{ ...clusterOf(bootstrap), connectTimeout }];
      return validateJsonMessage(BOOTSTRAP, bootstrap);
    };
    expectExactly(withTimeout('1 s'), `${CLUSTER0}.connect_timeout shape.type`);
    expectExactly(withTimeout({ seconds: 1 }), `${CLUSTER0}.connect_timeout shape.type`);
    expectExactly(withTimeout('0s'), `${CLUSTER0}.connect_timeout duration.gt`);
  });

  it('rejects unknown enum names', () => {
    const bootstrap = bootstrapJson();
    const dynamic = bootstrap.dynamicResources as Json;
    bootstrap.dynamicResources = { ...dynamic, adsConfig: { ...(dynamic.adsConfig as Json), apiType: 'GRPCC' } };
    expectExactly(validateJsonMessage(BOOTSTRAP, bootstrap), 'dynamic_resources.ads_config.api_type shape.type');
  });

  it('validates inside @type Anys: rules, unknown fields and unknown types', () => {
    const withOptions = (options: Json) => {
      const bootstrap = bootstrapJson();
      (bootstrap.staticResources as Json).clusters = [{ ...clusterOf(bootstrap), typedExtensionProtocolOptions: { [HTTP_OPTIONS]: options } }];
      return validateJsonMessage(BOOTSTRAP, bootstrap);
    };
    const type = `type.googleapis.com/${HTTP_OPTIONS}`;
    expectExactly(
      withOptions({ '@type': type, explicitHttpConfig: { http2ProtocolOptions: { maxConcurrentStreams: 0 } } }),
      `${OPTIONS}.explicit_http_config.http2_protocol_options.max_concurrent_streams uint32.gte,lte`,
    );
    // The typo'd field is dropped, so the required oneof it belonged to is unset too.
    expectExactly(
      withOptions({ '@type': type, explicitHttpConfg: {} }),
      `${OPTIONS}.explicitHttpConfg shape.unknown_field`,
      `${OPTIONS}.upstream_protocol_options oneof.required`,
    );
    expectExactly(withOptions({ '@type': 'type.googleapis.com/envoy.nope.Nope' }), `${OPTIONS}.type_url any.type_url`);
    expectExactly(withOptions({ explicitHttpConfig: {} }), `${OPTIONS}.@type any.type_url`);
  });

  it('reads well-known types inside an Any from "value", including an Any inside an Any', () => {
    const ext = (typedConfig: Json) => validateJsonMessage('envoy.config.core.v3.TypedExtensionConfig', { name: 'x', typedConfig });
    expectValid(ext({ '@type': 'type.googleapis.com/google.protobuf.Duration', value: '1.5s' }));
    expectExactly(ext({ '@type': 'type.googleapis.com/google.protobuf.Duration', value: '-1.5s' }), 'typed_config envoy.duration');
    expectValid(ext({ '@type': 'type.googleapis.com/google.protobuf.Struct', value: { a: [1, 'b', null, { c: true }] } }));
    expectValid(ext({ '@type': 'type.googleapis.com/google.protobuf.Any', value: { '@type': 'type.googleapis.com/google.protobuf.UInt32Value', value: 7 } }));
    expectExactly(
      ext({ '@type': 'type.googleapis.com/google.protobuf.Any', value: { '@type': 'type.googleapis.com/google.protobuf.Duration', value: '-2s' } }),
      'typed_config envoy.duration',
    );
    // A bad enum name two Anys deep is still caught (protobufjs would silently drop it when packing).
    const socket = { '@type': 'type.googleapis.com/envoy.config.core.v3.SocketAddress', protocol: 'TCPP', address: 'a', portValue: 1 };
    expectExactly(ext({ '@type': 'type.googleapis.com/google.protobuf.Any', value: socket }), 'typed_config.protocol shape.type');
  });

  it('converts to a proto-loader object that protobufjs encodes and that validates as bytes', () => {
    const { message, problems } = jsonToMessage(BOOTSTRAP, bootstrapJson());
    expect(problems).toEqual([]);
    expect(message).toBeDefined();
    const bytes = encodeMessage(BOOTSTRAP, message as object);
    expectValid(validateMessageBytes(BOOTSTRAP, bytes));
    expect(message).toMatchObject({ static_resources: { clusters: [{ name: 'xds_cluster', connect_timeout: { seconds: '1', nanos: 500_000_000 } }] } });
  });
});

describe('well-known JSON forms', () => {
  it('durations', () => {
    expect(parseJsonDuration('1.5s')).toEqual({ seconds: '1', nanos: 500_000_000 });
    expect(parseJsonDuration('-0.000000001s')).toEqual({ seconds: '0', nanos: -1 });
    expect(parseJsonDuration('-3s')).toEqual({ seconds: '-3', nanos: 0 });
    expect(parseJsonDuration('1.5')).toBeUndefined();
    expect(parseJsonDuration('1ms')).toBeUndefined();
  });

  it('timestamps', () => {
    expect(parseJsonTimestamp('1970-01-01T00:00:01.5Z')).toEqual({ seconds: '1', nanos: 500_000_000 });
    expect(parseJsonTimestamp('2024-02-29T12:00:00+01:00')).toEqual({ seconds: String(Date.UTC(2024, 1, 29, 11) / 1000), nanos: 0 });
    expect(parseJsonTimestamp('0001-01-01T00:00:00Z')).toEqual({ seconds: '-62135596800', nanos: 0 });
    expect(parseJsonTimestamp('2023-02-29T00:00:00Z')).toBeUndefined();
    expect(parseJsonTimestamp('2024-01-01 00:00:00Z')).toBeUndefined();
  });

  it('field masks', () => {
    expect(parseJsonFieldMask('fooBar.baz,qux')).toEqual(['foo_bar.baz', 'qux']);
    expect(parseJsonFieldMask('')).toEqual([]);
    expect(parseJsonFieldMask('foo_bar')).toBeUndefined();
  });
});
