import { adminClient, adminTargetFromFlags, AdminError, ADMIN_FLAGS, exitCodeFor, requirePositional } from './admin-client';
import { EXIT_OK, UsageError, type CliIo } from './io';
import { parseFlags, stringFlag } from './flags';

/** `switchyard token create --service S [--ttl 720h]`: an xDS credential proving service S (or, with --gateway NAME, gateway NAME). */
export async function runToken(argv: string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === 'revoke') return revokeToken(rest, io);
  if (sub !== 'create')
    throw new UsageError(
      `token: expected "create" or "revoke"${sub ? `, got "${sub}"` : ''}\nusage: switchyard token create (--service S | --gateway NAME) [--ttl 720h] | switchyard token revoke ID`,
    );
  const flags = parseFlags('token create', rest, {
    ...ADMIN_FLAGS,
    service: { type: 'string' },
    gateway: { type: 'string' },
    ttl: { type: 'string' },
    json: { type: 'boolean' },
  });
  requirePositional('token create', flags.positionals, []);
  // Gateways and services share one namespace, and a token proves a name: --gateway is for clarity.
  const gateway = stringFlag(flags, 'gateway');
  if (gateway && stringFlag(flags, 'service')) throw new UsageError('token create: give --service or --gateway, not both');
  const service = gateway ?? stringFlag(flags, 'service');
  if (!service) throw new UsageError('token create: --service (or --gateway) is required');
  try {
    const body = await adminClient(adminTargetFromFlags(flags)).request<{ token: string; id: string; expiresAt: string }>('POST', '/v1/tokens', {
      service,
      ...(stringFlag(flags, 'ttl') !== undefined && { ttl: stringFlag(flags, 'ttl') }),
    });
    io.stdout(flags.values.json ? JSON.stringify(body, null, 2) : body.token);
    if (!flags.values.json)
      io.stderr(
        `token ${body.id} for ${service}, expires ${body.expiresAt} (revoke with: switchyard token revoke ${body.id}); give it to the ${gateway ? 'gateway' : 'sidecar'} with: switchyard bootstrap envoy ${gateway ? `--gateway ${service}` : `--service ${service} --instance ID`} --token <token>`,
      );
    return EXIT_OK;
  } catch (err) {
    if (!(err instanceof AdminError)) throw err;
    io.stderr(`switchyard token create: ${err.field ? `--${err.field === 'authorization' ? 'admin-token' : err.field}: ` : ''}${err.message}`);
    return exitCodeFor(err);
  }
}

async function revokeToken(argv: string[], io: CliIo): Promise<number> {
  const flags = parseFlags('token revoke', argv, ADMIN_FLAGS);
  const [id] = requirePositional('token revoke', flags.positionals, ['ID']);
  try {
    await adminClient(adminTargetFromFlags(flags)).request('DELETE', `/v1/tokens/${encodeURIComponent(id!)}`);
    io.stdout(`revoked ${id}: new xDS streams presenting it are refused`);
    return EXIT_OK;
  } catch (err) {
    if (!(err instanceof AdminError)) throw err;
    io.stderr(`switchyard token revoke: ${err.message}`);
    return exitCodeFor(err);
  }
}

/** `switchyard ca show` / `switchyard ca rotate`. */
export async function runCa(argv: string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub !== 'show' && sub !== 'rotate') throw new UsageError(`ca: expected "show" or "rotate"${sub ? `, got "${sub}"` : ''}`);
  const flags = parseFlags(`ca ${sub}`, rest, { ...ADMIN_FLAGS, json: { type: 'boolean' } });
  requirePositional(`ca ${sub}`, flags.positionals, []);
  try {
    const client = adminClient(adminTargetFromFlags(flags));
    const facts = await client.request<{
      trustDomain: string;
      activeRoot: { subject: string; fingerprint: string; notAfter: string; keyType: string };
      previousRoot?: { fingerprint: string; notAfter: string };
      rotating: boolean;
      workloadCertificates: number;
      earliestWorkloadExpiry?: number;
    }>(sub === 'rotate' ? 'POST' : 'GET', sub === 'rotate' ? '/v1/ca/rotate' : '/v1/ca');
    if (flags.values.json) {
      io.stdout(JSON.stringify(facts, null, 2));
      return EXIT_OK;
    }
    const lines = [
      `trust domain:   ${facts.trustDomain}`,
      `active root:    ${facts.activeRoot.fingerprint} (${facts.activeRoot.keyType}, until ${facts.activeRoot.notAfter})`,
      `previous root:  ${facts.previousRoot ? `${facts.previousRoot.fingerprint} (in the bundle until every workload holds a new certificate)` : '-'}`,
      `rotating:       ${facts.rotating ? 'yes' : 'no'}`,
      `workload certs: ${facts.workloadCertificates}${facts.earliestWorkloadExpiry ? `, earliest expiry ${new Date(facts.earliestWorkloadExpiry).toISOString()}` : ''}`,
    ];
    io.stdout(lines.join('\n'));
    return EXIT_OK;
  } catch (err) {
    if (!(err instanceof AdminError)) throw err;
    io.stderr(`switchyard ca ${sub}: ${err.message}`);
    return exitCodeFor(err);
  }
}
