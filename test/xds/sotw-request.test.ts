// Requests with many names keep them as bytes (sotw-request.ts); what the stream reads must be
// exactly what a plain decode gives, and a repeated list must be recognised as the same.
import { describe, expect, it } from 'vitest';
import { decodeMessage, encodeMessage } from '../../src/proto/codec';
import { decodeSotwRequest, namesFromBytes } from '../../src/xds/sotw-request';
import { TypeUrl } from '../../src/proto/type-urls';
import type { DiscoveryRequest__Output } from '../../src/generated/envoy/service/discovery/v3/DiscoveryRequest';

const TYPE = 'envoy.service.discovery.v3.DiscoveryRequest';

function request(names: string[]): Buffer {
  return encodeMessage(TYPE, {
    version_info: 'v7',
    node: { id: 'orders-1', cluster: 'orders', user_agent_name: 'envoy' },
    resource_names: names,
    type_url: TypeUrl.ClusterLoadAssignment,
    response_nonce: '3f',
    error_detail: { code: 3, message: 'rejected' },
  });
}

describe('SotW request decoding', () => {
  it('with many names: the same fields as a plain decode, the names kept as bytes that read back the same', () => {
    const names = Array.from({ length: 40 }, (_, i) => `svc-${i}/v${i % 3}`).concat(['ünïcode-名前']);
    const bytes = request(names);
    const plain = decodeMessage<DiscoveryRequest__Output>(TYPE, bytes);
    const decoded = decodeSotwRequest(bytes);
    expect(decoded.namesBytes).toBeDefined();
    expect(namesFromBytes(decoded.namesBytes!)).toEqual(plain.resource_names);
    const { namesBytes: _, ...rest } = decoded;
    expect({ ...rest, resource_names: plain.resource_names }).toEqual(plain);
    // The same list again has the same bytes; a different one does not.
    expect(decodeSotwRequest(request(names)).namesBytes!.equals(decoded.namesBytes!)).toBe(true);
    expect(decodeSotwRequest(request(names.slice(1))).namesBytes!.equals(decoded.namesBytes!)).toBe(false);
  });

  it('with few names: a plain decode', () => {
    const bytes = request(['a', 'b']);
    const decoded = decodeSotwRequest(bytes);
    expect(decoded.namesBytes).toBeUndefined();
    expect(decoded).toEqual(decodeMessage(TYPE, bytes));
  });

  it('refuses truncated bytes', () => {
    const bytes = request(Array.from({ length: 30 }, (_, i) => `n${i}`));
    expect(() => decodeSotwRequest(bytes.subarray(0, bytes.length - 3))).toThrow();
  });
});
