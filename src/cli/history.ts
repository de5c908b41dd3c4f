// `switchyard history`, `switchyard diff V1 V2` and `switchyard rollback V`: the admin API's
// /v1/history routes, for operators. rollback needs an ACL token with mesh:write.
import type { HistoryEntry } from '../history/history-store';
import { adminClient, adminTargetFromFlags, AdminError, ADMIN_FLAGS, exitCodeFor, requirePositional } from './admin-client';
import { EXIT_OK, UsageError, type CliIo } from './io';
import { parseFlags, stringFlag } from './flags';

function version(value: string, name: string): number {
  if (!/^\d+$/.test(value)) throw new UsageError(`${name}: expected a version number from switchyard history, got "${value}"`);
  return Number(value);
}

async function guarded(command: string, io: CliIo, run: () => Promise<void>): Promise<number> {
  try {
    await run();
    return EXIT_OK;
  } catch (err) {
    if (!(err instanceof AdminError)) throw err;
    io.stderr(`switchyard ${command}: ${err.message}`);
    return exitCodeFor(err);
  }
}

export function formatHistory(entries: readonly HistoryEntry[], current?: number): string {
  const rows = [['VERSION', 'WHEN', 'WHO', 'WHAT', 'ACKED BY']];
  for (const e of entries) {
    rows.push([
      `${e.version}${e.version === current ? '*' : ''}`,
      e.at.replace('T', ' ').replace(/\.\d+Z$/, 'Z'),
      e.who,
      `${e.what}${e.kind === 'mesh' ? `: ${e.summary.join('; ')}` : ''}`,
      e.kind === 'mesh' ? String(e.ackedBy.length ? e.ackedBy.join(',') : '-') : '',
    ]);
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows
    .map((r) =>
      r
        .map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

export async function runHistory(argv: string[], io: CliIo): Promise<number> {
  const flags = parseFlags('history', argv, { ...ADMIN_FLAGS, limit: { type: 'string', default: '50' }, json: { type: 'boolean' } });
  requirePositional('history', flags.positionals, []);
  return guarded('history', io, async () => {
    const body = await adminClient(adminTargetFromFlags(flags)).request<{ current?: number; entries: HistoryEntry[] }>(
      'GET',
      `/v1/history?limit=${encodeURIComponent(stringFlag(flags, 'limit')!)}`,
    );
    io.stdout(flags.values.json ? JSON.stringify(body, null, 2) : formatHistory(body.entries, body.current));
  });
}

export async function runDiff(argv: string[], io: CliIo): Promise<number> {
  const flags = parseFlags('diff', argv, { ...ADMIN_FLAGS, json: { type: 'boolean' } });
  const [a, b] = requirePositional('diff', flags.positionals, ['V1', 'V2']);
  const from = version(a!, 'diff');
  const to = version(b!, 'diff');
  return guarded('diff', io, async () => {
    const body = await adminClient(adminTargetFromFlags(flags)).request<{ diff: string; summary: string[] }>('GET', `/v1/history/${from}/diff/${to}`);
    io.stdout(flags.values.json ? JSON.stringify(body, null, 2) : `${body.summary.map((s) => `# ${s}`).join('\n')}\n${body.diff}`.trimEnd());
  });
}

export async function runRollback(argv: string[], io: CliIo): Promise<number> {
  const flags = parseFlags('rollback', argv, { ...ADMIN_FLAGS, json: { type: 'boolean' } });
  const [v] = requirePositional('rollback', flags.positionals, ['VERSION']);
  const target = version(v!, 'rollback');
  return guarded('rollback', io, async () => {
    const body = await adminClient(adminTargetFromFlags(flags)).request<{ rolledBackTo: number; entry?: HistoryEntry; note?: string }>(
      'POST',
      `/v1/history/${target}/rollback`,
      {},
    );
    if (flags.values.json) io.stdout(JSON.stringify(body, null, 2));
    else
      io.stdout(
        `rolled back to the mesh of version ${target}${body.entry ? ` (now version ${body.entry.version}: ${body.entry.summary.join('; ')})` : ' (it was already in force)'}${body.note ? `\n${body.note}` : ''}`,
      );
  });
}
