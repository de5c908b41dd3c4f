// GET /v1/explain?from=A&to=B[&method=&path=&header=k=v…][&node=ID]: what happens to a call from
// A to B, walked over the resources A's proxy was actually sent. GET /v1/explain/nack/{node}:
// that proxy's NACKs turned into resources and mesh-file lines. Reads only; `read` suffices.
import type { MeshLocations } from '../../config/parse';
import { explainCall, type ProxyHoldings } from '../../explain/explain-call';
import { explainNacks } from '../../explain/explain-nack';
import { heldFromSent, mergeHeld } from '../../explain/held-resources';
import type { MeshConfig } from '../../model';
import type { XdsServer } from '../../xds';
import type { XdsStream } from '../../xds/stream-base';
import { access, jsonResponse, type RouteDefinition } from '../route';
import { errorResponse } from '../errors';

export interface ExplainDeps {
  readonly xds: XdsServer;
  /** The mesh in force and where each of its settings is written. */
  readonly mesh: () => { config: MeshConfig; locations?: MeshLocations };
}

function holdings(streams: readonly XdsStream[]): ProxyHoldings[] {
  const byNode = new Map<string, XdsStream[]>();
  for (const s of streams) {
    const id = s.info.node?.id;
    if (id === undefined || s.info.group === undefined) continue;
    byNode.set(id, [...(byNode.get(id) ?? []), s]);
  }
  return [...byNode.keys()].sort().map((nodeId) => ({ nodeId, resources: mergeHeld(byNode.get(nodeId)!.map((s) => heldFromSent(s.sentResources()))) }));
}

export function explainRoutes(deps: ExplainDeps): RouteDefinition[] {
  return [
    {
      method: 'GET',
      path: '/v1/explain',
      access: access.rule('read'),
      handler: (req) => {
        const from = req.query.get('from');
        const to = req.query.get('to');
        if (!from) return errorResponse('invalid_argument', 'from=SERVICE is required: the calling service', 'from');
        if (!to) return errorResponse('invalid_argument', 'to=SERVICE is required: the service called', 'to');
        const headers: Record<string, string> = {};
        for (const h of req.query.getAll('header')) {
          const eq = h.indexOf('=');
          if (eq <= 0) return errorResponse('invalid_argument', `header "${h}" must be NAME=VALUE`, 'header');
          headers[h.slice(0, eq)] = h.slice(eq + 1);
        }
        const node = req.query.get('node');
        const open = deps.xds.openStreams();
        const sources = holdings(open.filter((s) => (node ? s.info.node?.id === node : s.info.node?.cluster === from)));
        if (sources.length === 0) {
          const message = node
            ? `no connected proxy has node id "${node}"`
            : `no proxy of service "${from}" is connected; explain walks what a proxy was actually sent, so it needs one (or name one with node=ID)`;
          return errorResponse('not_found', message, node ? 'node' : 'from');
        }
        const destinations = holdings(open.filter((s) => s.info.node?.cluster === to));
        const { config, locations } = deps.mesh();
        const explanation = explainCall(
          { config, ...(locations && { locations }), source: sources[0]!, destinations },
          {
            from,
            to,
            ...(req.query.get('method') && { method: req.query.get('method')! }),
            ...(req.query.get('path') && { path: req.query.get('path')! }),
            headers,
          },
        );
        return jsonResponse(200, explanation);
      },
    },
    {
      method: 'GET',
      path: '/v1/explain/nack/{node}',
      access: access.rule('read'),
      handler: (req) => {
        const streams = deps.xds.streamsForNode(req.params.node!);
        if (streams.length === 0) return errorResponse('not_found', `no connected proxy has node id "${req.params.node}"`, 'node');
        const { config, locations } = deps.mesh();
        const nacks = explainNacks(
          config,
          locations,
          streams.map((s) => ({
            types: s.status().types,
            rejected: heldFromSent(s.rejectedResources()),
            held: heldFromSent(s.sentResources()),
            nodeService: s.info.node?.cluster ?? '',
          })),
        );
        return jsonResponse(200, { node: req.params.node, nacks });
      },
    },
  ];
}
