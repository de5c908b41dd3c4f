// `switchyard wait-ready --node ID [--timeout 60s]`: blocks until that proxy has ACKed every type
// it needs (GET /v1/proxies/{node}/ready), so an entrypoint can start its app after its proxy:
//   switchyard wait-ready --node frontend-1 && exec ./app
// Exit 0 when ready, 1 on timeout (with what it was still waiting for), 2 for bad usage.
import { adminClient, adminTargetFromFlags, AdminError, ADMIN_FLAGS, exitCodeFor, requirePositional } from './admin-client';
import { EXIT_OK, EXIT_RUNTIME, UsageError, type CliIo } from './io';
import { parseDurationFlag, parseFlags, stringFlag } from './flags';
import type { ProxyReadiness } from '../xds/readiness';

const POLL_MS = 250;

export async function runWaitReady(argv: string[], io: CliIo): Promise<number> {
  const flags = parseFlags('wait-ready', argv, {
    ...ADMIN_FLAGS,
    node: { type: 'string' },
    timeout: { type: 'string', default: '60s' },
    quiet: { type: 'boolean' },
  });
  requirePositional('wait-ready', flags.positionals, []);
  const node = stringFlag(flags, 'node');
  if (!node) throw new UsageError("wait-ready: --node ID is required (the proxy's node.id)");
  const timeoutMs = parseDurationFlag(stringFlag(flags, 'timeout')!, 'timeout');
  const client = adminClient(adminTargetFromFlags(flags));
  const deadline = Date.now() + timeoutMs;
  let last: ProxyReadiness | undefined;
  let lastError: AdminError | undefined;
  for (;;) {
    try {
      last = await client.request<ProxyReadiness>('GET', `/v1/proxies/${encodeURIComponent(node)}/ready`);
      lastError = undefined;
      if (last.ready) {
        if (!flags.values.quiet)
          io.stdout(
            `${node}: ready (${Object.entries(last.types)
              .sort(([a], [b]) => (a < b ? -1 : 1))
              .map(([t, v]) => `${t} ${v.ackedVersion}`)
              .join(', ')})`,
          );
        return EXIT_OK;
      }
    } catch (err) {
      if (!(err instanceof AdminError)) throw err;
      // An unreachable server may be starting; a refusal (401, 403) will not change by waiting.
      if (err.status !== undefined) {
        io.stderr(`switchyard wait-ready: ${err.message}`);
        return exitCodeFor(err);
      }
      lastError = err;
    }
    if (Date.now() + POLL_MS > deadline) break;
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
  const why = lastError ? [lastError.message] : (last?.waitingFor ?? []);
  io.stderr(`switchyard wait-ready: ${node} not ready after ${stringFlag(flags, 'timeout')}:\n${why.map((w) => `  ${w}`).join('\n')}`);
  return EXIT_RUNTIME;
}
