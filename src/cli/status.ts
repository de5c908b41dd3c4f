import { adminClient, adminTargetFromFlags, AdminError, ADMIN_FLAGS, exitCodeFor, requirePositional } from './admin-client';
import { EXIT_OK, type CliIo } from './io';
import { parseFlags } from './flags';

/** The /v1/proxies body (see src/admin/routes/proxies.ts). */
export interface ProxiesBody {
  proxies: Array<{
    nodeId?: string;
    nodeCluster?: string;
    userAgent?: string;
    protocol: string;
    service: string;
    peer: string;
    types: Array<{
      type: string;
      sentVersion?: string;
      ackedVersion?: string;
      pendingAck: boolean;
      resourceCount: number;
      lastNack?: { version: string; message: string; at: number };
    }>;
  }>;
}

const TYPES = ['CDS', 'EDS', 'LDS', 'RDS', 'SDS'];

function syncState(t: ProxiesBody['proxies'][number]['types'][number] | undefined): string {
  if (!t) return '-';
  if (t.lastNack && t.lastNack.version === t.sentVersion) return 'NACKED';
  if (t.pendingAck) return 'STALE';
  return t.sentVersion === undefined ? 'NOT SENT' : 'SYNCED';
}

/** `switchyard status`: one line per connected proxy, like `istioctl proxy-status`. */
export async function runStatus(argv: string[], io: CliIo): Promise<number> {
  const flags = parseFlags('status', argv, { ...ADMIN_FLAGS, json: { type: 'boolean' } });
  requirePositional('status', flags.positionals, []);
  try {
    const body = await adminClient(adminTargetFromFlags(flags)).request<ProxiesBody>('GET', '/v1/proxies');
    if (flags.values.json) {
      io.stdout(JSON.stringify(body, null, 2));
      return EXIT_OK;
    }
    const rows = [['NODE', 'SERVICE', 'KIND', 'STREAM', ...TYPES, 'LAST NACK']];
    for (const p of body.proxies) {
      const byType = new Map(p.types.map((t) => [t.type, t]));
      const nacks = p.types.filter((t) => t.lastNack).sort((a, b) => b.lastNack!.at - a.lastNack!.at);
      const lastNack = nacks[0] ? `${nacks[0].type} ${nacks[0].lastNack!.version}: ${nacks[0].lastNack!.message}` : '-';
      rows.push([
        p.nodeId ?? '?',
        p.nodeCluster || '-',
        p.userAgent ?? '-',
        `${p.service}/${p.protocol}`,
        ...TYPES.map((t) => syncState(byType.get(t))),
        lastNack,
      ]);
    }
    const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
    io.stdout(rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ')).join('\n'));
    return EXIT_OK;
  } catch (err) {
    if (!(err instanceof AdminError)) throw err;
    io.stderr(`switchyard status: ${err.message}`);
    return exitCodeFor(err);
  }
}

/** `switchyard config-dump NODE`: what the control plane last sent that proxy, as JSON. */
export async function runConfigDump(argv: string[], io: CliIo): Promise<number> {
  const flags = parseFlags('config-dump', argv, ADMIN_FLAGS);
  const [node] = requirePositional('config-dump', flags.positionals, ['NODE']);
  try {
    const body = await adminClient(adminTargetFromFlags(flags)).request<unknown>('GET', `/v1/proxies/${encodeURIComponent(node!)}/config`);
    io.stdout(JSON.stringify(body, null, 2));
    return EXIT_OK;
  } catch (err) {
    if (!(err instanceof AdminError)) throw err;
    io.stderr(`switchyard config-dump: ${err.message}`);
    return exitCodeFor(err);
  }
}
