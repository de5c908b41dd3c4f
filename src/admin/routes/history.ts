// The mesh's history over the admin API: GET /v1/history, GET /v1/history/{version} (with the
// mesh text in force after it), GET /v1/history/{from}/diff/{to}, and
// POST /v1/history/{version}/rollback, which re-applies that version's mesh through the same
// validation and publish path as a reload (mesh:write).
import type { Problem } from '../../model';
import { formatProblem } from '../../model';
import type { HistoryEntry, HistoryStore } from '../../history/history-store';
import type { HistoryWriter } from '../../history/etcd-history';
import { access, jsonResponse, type AdminRequest, type RouteDefinition } from '../route';
import { errorResponse } from '../errors';

export type RollbackResult =
  | { readonly ok: true; readonly entry?: HistoryEntry; readonly note?: string }
  | { readonly ok: false; readonly problems: readonly Problem[] };

export interface HistoryDeps {
  readonly history: HistoryStore;
  readonly rollback: (version: number, who: string) => Promise<RollbackResult>;
  /** Where changes go (the data dir, or etcd shared by replicas); `history` is what is read. */
  readonly writer: HistoryWriter;
}

function versionParam(req: AdminRequest, name: string): number | undefined {
  const v = req.params[name]!;
  return /^\d+$/.test(v) ? Number(v) : undefined;
}

export function historyRoutes(deps: HistoryDeps): RouteDefinition[] {
  const { history } = deps;
  const notFound = (v: string) => errorResponse('not_found', `no version ${v} in the history (it keeps the last ${history.keep})`, 'version');
  return [
    {
      method: 'GET',
      path: '/v1/history',
      access: access.rule('read'),
      handler: (req) => {
        const limit = Number(req.query.get('limit') ?? history.keep);
        return jsonResponse(200, {
          current: history.current()?.version,
          keep: history.keep,
          entries: history.list(Number.isFinite(limit) && limit > 0 ? limit : history.keep),
        });
      },
    },
    {
      method: 'GET',
      path: '/v1/history/{version}',
      access: access.rule('read'),
      handler: (req) => {
        const v = versionParam(req, 'version');
        const entry = v !== undefined ? history.get(v) : undefined;
        if (!entry) return notFound(req.params.version!);
        return jsonResponse(200, { ...entry, mesh: history.meshTextAt(entry.version) });
      },
    },
    {
      method: 'GET',
      path: '/v1/history/{from}/diff/{to}',
      access: access.rule('read'),
      handler: (req) => {
        const from = versionParam(req, 'from');
        const to = versionParam(req, 'to');
        if (from === undefined || !history.get(from)) return notFound(req.params.from!);
        if (to === undefined || !history.get(to)) return notFound(req.params.to!);
        return jsonResponse(200, history.diff(from, to));
      },
    },
    {
      method: 'POST',
      path: '/v1/history/{version}/rollback',
      access: access.rule('mesh:write'),
      handler: async (req) => {
        const v = versionParam(req, 'version');
        if (v === undefined || !history.get(v)) return notFound(req.params.version!);
        const result = await deps.rollback(v, req.caller ?? 'unknown');
        if (!result.ok)
          return errorResponse('invalid_argument', `version ${v}'s mesh no longer validates: ${result.problems.map(formatProblem).join('; ')}`, 'version');
        return jsonResponse(200, { rolledBackTo: v, ...(result.entry && { entry: result.entry }), ...(result.note && { note: result.note }) });
      },
    },
  ];
}
