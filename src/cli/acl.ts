// `switchyard acl token create|list|revoke`: ACL tokens for the admin API, through a running
// server (so over etcd every replica honours them at once). Needs a token with acl:admin, found
// like every admin command's (--admin-token, SWITCHYARD_ADMIN_TOKEN, <data-dir>/admin-token).

import { adminPath } from '../admin/client';
import type { AclTokenInfo } from '../admin/acl';
import { adminClient, adminTargetFromFlags, AdminError, ADMIN_FLAGS, exitCodeFor, requirePositional } from './admin-client';
import { EXIT_OK, UsageError, type CliIo } from './io';
import { parseFlags, stringFlag } from './flags';

const USAGE = `usage:
  switchyard acl token create --name NAME --rule RULE [--rule RULE]… [--json]   prints the secret once
  switchyard acl token list [--json]                                             never shows secrets
  switchyard acl token revoke NAME|ID
rules: read, service:write:<service|*>, identity:<service|*>, mesh:write, ca:admin, acl:admin`;

export async function runAcl(argv: string[], io: CliIo): Promise<number> {
  const [noun, verb, ...rest] = argv;
  if (noun === '--help' || noun === '-h' || noun === undefined) {
    io.stdout(USAGE);
    return EXIT_OK;
  }
  if (noun !== 'token' || (verb !== 'create' && verb !== 'list' && verb !== 'revoke'))
    throw new UsageError(`acl: expected "token create", "token list" or "token revoke"\n${USAGE}`);
  const flags = parseFlags(`acl token ${verb}`, rest, {
    ...ADMIN_FLAGS,
    name: { type: 'string' },
    rule: { type: 'string', multiple: true },
    json: { type: 'boolean' },
  });
  try {
    const client = adminClient(adminTargetFromFlags(flags));
    if (verb === 'create') {
      requirePositional('acl token create', flags.positionals, []);
      const name = stringFlag(flags, 'name');
      const rules = Array.isArray(flags.values.rule)
        ? flags.values.rule
            .flatMap((r) => r.split(','))
            .map((r) => r.trim())
            .filter(Boolean)
        : [];
      if (!name) throw new UsageError('acl token create: --name is required');
      if (rules.length === 0) throw new UsageError(`acl token create: give at least one --rule\n${USAGE}`);
      const created = await client.request<AclTokenInfo & { secret: string }>('POST', '/v1/acl/tokens', { name, rules });
      io.stdout(flags.values.json ? JSON.stringify(created, null, 2) : created.secret);
      if (!flags.values.json) io.stderr(`ACL token "${created.name}" (id ${created.id}) with ${created.rules.join(', ')}; the secret above is shown only now`);
      return EXIT_OK;
    }
    if (verb === 'list') {
      requirePositional('acl token list', flags.positionals, []);
      const { tokens } = await client.request<{ tokens: AclTokenInfo[] }>('GET', '/v1/acl/tokens');
      if (flags.values.json) {
        io.stdout(JSON.stringify(tokens, null, 2));
        return EXIT_OK;
      }
      const rows = [['ID', 'NAME', 'CREATED', 'RULES'], ...tokens.map((t) => [t.id, t.name, t.createdAt, t.rules.join(',')])];
      const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
      io.stdout(rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ')).join('\n'));
      return EXIT_OK;
    }
    const [which] = requirePositional('acl token revoke', flags.positionals, ['NAME|ID']);
    const { revoked } = await client.request<{ revoked: AclTokenInfo }>('DELETE', adminPath('v1', 'acl', 'tokens', which!));
    io.stdout(`revoked ACL token "${revoked.name}" (id ${revoked.id}): requests presenting it are refused`);
    return EXIT_OK;
  } catch (err) {
    if (!(err instanceof AdminError)) throw err;
    io.stderr(`switchyard acl token ${verb}: ${err.message}`);
    return exitCodeFor(err);
  }
}
