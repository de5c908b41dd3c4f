// GET /v1/proxies (sync state per proxy and type) and GET /v1/proxies/{node}/config (what was
// last sent). Reads the xDS server's stream state; writes nothing.

import { decodeMessage, expandAnys } from '../../proto/codec';
import { shortTypeName } from '../../proto/type-urls';
import type { XdsServer } from '../../xds';
import { access, jsonResponse, type RouteDefinition } from '../route';

/** Private keys never leave through the admin API: every private_key is replaced, as Envoy's own dump does. */
export function redactPrivateKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redactPrivateKeys);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = k === 'private_key' ? '[redacted]' : redactPrivateKeys(v);
  return out;
}

export function proxyRoutes(xds: XdsServer): RouteDefinition[] {
  return [
    {
      method: 'GET',
      path: '/v1/proxies',
      access: access.rule('read'),
      handler: () =>
        jsonResponse(200, {
          proxies: xds
            .streams()
            .filter((s) => s.nodeId !== undefined)
            .sort((a, b) => (a.nodeId! < b.nodeId! ? -1 : a.nodeId! > b.nodeId! ? 1 : a.id - b.id))
            .map((s) => ({ ...s, connectedAt: new Date(s.openedAt).toISOString(), types: s.types.map((t) => ({ type: shortTypeName(t.typeUrl), ...t })) })),
        }),
    },
    {
      // Polled by `switchyard wait-ready`; always 200 so "not yet" is an answer, not an error.
      method: 'GET',
      path: '/v1/proxies/{node}/ready',
      access: access.rule('read'),
      handler: (req) => jsonResponse(200, xds.readiness(req.params.node!)),
    },
    {
      method: 'GET',
      path: '/v1/proxies/{node}/config',
      access: access.rule('read'),
      handler: (req) => {
        const streams = xds.streamsForNode(req.params.node!);
        if (streams.length === 0)
          return jsonResponse(404, { error: { code: 'not_found', message: `no connected proxy has node id "${req.params.node}"`, field: 'node' } });
        // Like Envoy's config_dump: each resource decoded, Anys expanded, with its version.
        const configs = streams.map((stream) => {
          const byType: Record<string, unknown[]> = {};
          for (const [typeUrl, resources] of stream.sentResources()) {
            byType[shortTypeName(typeUrl)] = resources.map((r) => ({
              name: r.name,
              version: r.version,
              resource: redactPrivateKeys({
                '@type': typeUrl,
                ...(expandAnys(decodeMessage(typeUrl, r.bytes, { longs: String, enums: String, bytes: Buffer, defaults: false, oneofs: false })) as object),
              }),
            }));
          }
          return { stream: stream.status().id, service: stream.info.service, protocol: stream.info.protocol, group: stream.info.group, resources: byType };
        });
        return jsonResponse(200, { node: req.params.node, streams: configs });
      },
    },
  ];
}
