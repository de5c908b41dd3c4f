// `switchyard explain --from A --to B [--method M] [--path P] [--header k=v]… [--node ID] [--json]`
// and `switchyard explain --nack NODE`: the admin API's /v1/explain answers, printed as steps,
// each with the mesh-file file:line:column behind it.
import type { Explanation } from '../explain/explain-call';
import type { NackExplanation } from '../explain/explain-nack';
import { adminClient, adminTargetFromFlags, AdminError, ADMIN_FLAGS, exitCodeFor, requirePositional } from './admin-client';
import { EXIT_OK, UsageError, type CliIo } from './io';
import { parseFlags, stringFlag } from './flags';

const MARK: Record<string, string> = { matched: '✓', allowed: '✓', skipped: '·', refused: '✗', info: ' ' };

export function formatExplanation(e: Explanation): string {
  const lines = [
    `${e.request.from} → ${e.request.to}  ${e.request.method} ${e.request.path}${
      Object.keys(e.request.headers ?? {}).length
        ? `  ${Object.entries(e.request.headers ?? {})
            .map(([k, v]) => `${k}: ${v}`)
            .join(', ')}`
        : ''
    }  (as sent to ${e.source.node}, ${e.source.kind})`,
    `${e.decision.toUpperCase()}: ${e.summary}`,
    '',
  ];
  for (const s of e.steps) {
    lines.push(`  ${MARK[s.result] ?? ' '} ${s.step.padEnd(13)} ${s.resource ? `${s.resource.type} ${s.resource.name}: ` : ''}${s.detail}`);
    for (const m of s.mesh) lines.push(`        ${m.at}  ${m.what}`);
  }
  return lines.join('\n');
}

export function formatNacks(node: string, nacks: readonly NackExplanation[]): string {
  if (nacks.length === 0) return `${node} has not NACKed anything on its open streams`;
  const lines: string[] = [];
  for (const n of nacks) {
    lines.push(`${node} NACKed ${n.type} version ${n.version} at ${n.at}${n.stillServing ? ` (still holds ${n.stillServing})` : ''}:`, `  "${n.message}"`);
    for (const r of n.resources) {
      lines.push(`  ${n.type} ${r.name}${r.namedInMessage ? '  (named in the message)' : ''}`);
      for (const m of r.mesh) lines.push(`        ${m.at}  ${m.what}`);
    }
  }
  return lines.join('\n');
}

export async function runExplain(argv: string[], io: CliIo): Promise<number> {
  const flags = parseFlags('explain', argv, {
    ...ADMIN_FLAGS,
    from: { type: 'string' },
    to: { type: 'string' },
    method: { type: 'string' },
    path: { type: 'string' },
    header: { type: 'string', multiple: true },
    node: { type: 'string' },
    nack: { type: 'string' },
    json: { type: 'boolean' },
  });
  requirePositional('explain', flags.positionals, []);
  const client = adminClient(adminTargetFromFlags(flags));
  try {
    const nack = stringFlag(flags, 'nack');
    if (nack !== undefined) {
      const body = await client.request<{ node: string; nacks: NackExplanation[] }>('GET', `/v1/explain/nack/${encodeURIComponent(nack)}`);
      io.stdout(flags.values.json ? JSON.stringify(body, null, 2) : formatNacks(body.node, body.nacks));
      return EXIT_OK;
    }
    const from = stringFlag(flags, 'from');
    const to = stringFlag(flags, 'to');
    if (!from || !to) throw new UsageError('explain: --from SERVICE and --to SERVICE are required (or --nack NODE)');
    const q = new URLSearchParams({ from, to });
    for (const name of ['method', 'path', 'node'] as const) {
      const v = stringFlag(flags, name);
      if (v !== undefined) q.set(name, v);
    }
    const headers = flags.values.header;
    for (const h of Array.isArray(headers) ? headers : []) q.append('header', h);
    const body = await client.request<Explanation>('GET', `/v1/explain?${q}`);
    io.stdout(flags.values.json ? JSON.stringify(body, null, 2) : formatExplanation(body));
    return EXIT_OK;
  } catch (err) {
    if (!(err instanceof AdminError)) throw err;
    io.stderr(`switchyard explain: ${err.message}`);
    return exitCodeFor(err);
  }
}
