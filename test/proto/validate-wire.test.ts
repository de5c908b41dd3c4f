// validateMessageBytes: strict decoding of what the cache actually sends.
import * as protobuf from 'protobufjs';
import { describe, expect, it } from 'vitest';
import { encodeMessage } from '../../src/proto/codec';
import { validateMessageBytes } from '../../src/proto/validate';
import { edsCluster } from './envoy-fixtures';
import { expectExactly, expectValid, summary } from './problems';

const CLUSTER = 'envoy.config.cluster.v3.Cluster';
const FILTER_CHAIN_MATCH = 'envoy.config.listener.v3.FilterChainMatch';

function bytes(write: (w: protobuf.Writer) => void): Buffer {
  const w = protobuf.Writer.create();
  write(w);
  return Buffer.from(w.finish());
}

describe('validateMessageBytes', () => {
  it('accepts what encodeMessage produces', () => {
    expectValid(validateMessageBytes(CLUSTER, encodeMessage(CLUSTER, edsCluster())));
  });

  it('reports an unknown field number at the top level and inside a nested message', () => {
    const top = Buffer.concat([encodeMessage(CLUSTER, edsCluster()), bytes((w) => w.uint32((999 << 3) | 0).uint32(1))]);
    expectExactly(validateMessageBytes(CLUSTER, top), ' decode.unknown_field');
    // eds_cluster_config (field 3) holding service_name plus an unknown field 9.
    const nested = bytes((w) => {
      w.uint32((1 << 3) | 2).string('c');
      w.uint32((3 << 3) | 2)
        .fork()
        .uint32((2 << 3) | 2)
        .string('svc')
        .uint32((9 << 3) | 0)
        .uint32(1)
        .ldelim();
      w.uint32((4 << 3) | 2)
        .fork()
        .uint32((1 << 3) | 0)
        .uint32(1)
        .ldelim();
    });
    expectExactly(validateMessageBytes(CLUSTER, nested), 'eds_cluster_config decode.unknown_field');
  });

  it('reports a wire type that does not match the field', () => {
    const wrong = bytes((w) => w.uint32((1 << 3) | 0).uint32(5)); // name (a string) sent as a varint
    expect(summary(validateMessageBytes(CLUSTER, wrong))).toContain('name decode.wire_type');
  });

  it('reports a string that is not UTF-8', () => {
    const bad = bytes((w) => {
      w.uint32((1 << 3) | 2).bytes(Buffer.from([0x66, 0xff, 0x6f]));
      w.uint32((4 << 3) | 2)
        .fork()
        .uint32((1 << 3) | 0)
        .uint32(1)
        .ldelim();
    });
    expectExactly(validateMessageBytes(CLUSTER, bad), 'name decode.utf8');
  });

  it('reports truncated bytes', () => {
    const full = encodeMessage(CLUSTER, edsCluster());
    expectExactly(validateMessageBytes(CLUSTER, full.subarray(0, full.length - 3)), ' decode');
  });

  it('accepts repeated scalars packed or not, and checks their rules', () => {
    const packed = bytes((w) =>
      w
        .uint32((7 << 3) | 2)
        .fork()
        .uint32(80)
        .uint32(0)
        .ldelim(),
    );
    const unpacked = bytes((w) =>
      w
        .uint32((7 << 3) | 0)
        .uint32(80)
        .uint32((7 << 3) | 0)
        .uint32(0),
    );
    expectExactly(validateMessageBytes(FILTER_CHAIN_MATCH, packed), 'source_ports[1] uint32.gte,lte');
    expectExactly(validateMessageBytes(FILTER_CHAIN_MATCH, unpacked), 'source_ports[1] uint32.gte,lte');
  });
});
