// `switchyard register` and `switchyard deregister`: registry writes through the admin API
// of a running server. Exit 0 on success, 1 when the server is unreachable or
// fails, 2 for bad usage or a request the server refused (4xx), with the server's reason.

import { adminErrorOf, adminPath, callAdmin, type AdminCallResult, type AdminTarget } from '../admin/client';
import { ADMIN_FLAGS as ADMIN_CONNECTION_FLAGS, adminTargetFromFlags } from './admin-client';
import { EXIT_OK, EXIT_RUNTIME, EXIT_USAGE, UsageError, type CliIo } from './io';
import { parseFlags, stringFlag, type FlagSpec, type ParsedFlags } from './flags';

const ADMIN_FLAGS = {
  ...ADMIN_CONNECTION_FLAGS,
  help: { type: 'boolean' },
} as const satisfies Record<string, FlagSpec>;

// Registration fields are per instance, so they deliberately have no environment fallback.
const REGISTER_FLAGS = {
  address: { type: 'string' },
  port: { type: 'string' },
  label: { type: 'string', multiple: true },
  weight: { type: 'string' },
  zone: { type: 'string' },
  region: { type: 'string' },
  ttl: { type: 'string' },
  ...ADMIN_FLAGS,
} as const satisfies Record<string, FlagSpec>;

const REGISTER_USAGE =
  'usage: switchyard register SERVICE ID --address A --port P [--label k=v]… [--weight N] [--zone Z] [--region R] [--ttl 30s] ' +
  '[--admin-address H:P] [--admin-token T | --data-dir DIR] [--admin-tls] [--admin-ca FILE]';
const DEREGISTER_USAGE = 'usage: switchyard deregister SERVICE ID [--admin-address H:P] [--admin-token T | --data-dir DIR] [--admin-tls] [--admin-ca FILE]';

/** Where a field the server names came from on this command line. */
function flagForField(field: string | null): string | undefined {
  if (field === null) return undefined;
  if (field === 'labels' || field.startsWith('labels.')) return `--label (${field})`;
  if (field === 'service') return 'argument SERVICE';
  if (field === 'id') return 'argument ID';
  if (field === 'authorization') return '--admin-token';
  if (['address', 'port', 'weight', 'zone', 'region', 'ttl'].includes(field)) return `--${field}`;
  return field;
}

function integerFlag(flags: ParsedFlags, name: string): number | undefined {
  const text = stringFlag(flags, name);
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text)) throw new UsageError(`--${name}: expected a whole number, got "${text}"`);
  return Number(text);
}

function labelsFlag(flags: ParsedFlags): Record<string, string> | undefined {
  const given = flags.values.label;
  if (!Array.isArray(given) || given.length === 0) return undefined;
  const labels: Record<string, string> = {};
  for (const entry of given) {
    const equals = entry.indexOf('=');
    if (equals <= 0) throw new UsageError(`--label: expected KEY=VALUE, got "${entry}"`);
    const key = entry.slice(0, equals);
    if (key in labels) throw new UsageError(`--label: "${key}" is given twice`);
    labels[key] = entry.slice(equals + 1);
  }
  return labels;
}

function serviceAndId(flags: ParsedFlags, usage: string): [string, string] {
  const [service, id, ...extra] = flags.positionals;
  if (service === undefined || id === undefined) throw new UsageError(`expected SERVICE and ID\n${usage}`);
  if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}"\n${usage}`);
  return [service, id];
}

function adminTarget(flags: ParsedFlags): AdminTarget {
  return adminTargetFromFlags(flags);
}

/** Turns the server's answer into an exit status, printing why on failure. */
function report(command: string, target: AdminTarget, result: AdminCallResult, io: CliIo): number | undefined {
  if (result.kind === 'unreachable') {
    io.stderr(
      `switchyard ${command}: cannot reach the admin API at ${target.baseUrl} (${result.message}); ` +
        'is `switchyard serve` running there? Set --admin-address or SWITCHYARD_ADMIN_ADDRESS otherwise.',
    );
    return EXIT_RUNTIME;
  }
  if (result.status < 300) return undefined;
  const error = adminErrorOf(result.body);
  const message = error?.message ?? (typeof result.body === 'string' ? result.body.trim() : `HTTP ${result.status}`);
  const where = flagForField(error?.field ?? null);
  io.stderr(`switchyard ${command}: ${where ? `${where}: ` : ''}${message} (HTTP ${result.status})`);
  return result.status >= 500 ? EXIT_RUNTIME : EXIT_USAGE;
}

async function runCommand(command: string, io: CliIo, body: () => Promise<number>): Promise<number> {
  try {
    return await body();
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    // parseFlags already prefixes its messages with the command name.
    const message = error.message.startsWith(`${command}: `) ? error.message : `${command}: ${error.message}`;
    io.stderr(`switchyard ${message}`);
    return EXIT_USAGE;
  }
}

export function runRegister(argv: string[], io: CliIo, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  return runCommand('register', io, async () => {
    const flags = parseFlags('register', argv, REGISTER_FLAGS, env);
    if (flags.values.help) {
      io.stdout(REGISTER_USAGE);
      return EXIT_OK;
    }
    const [service, id] = serviceAndId(flags, REGISTER_USAGE);
    const address = stringFlag(flags, 'address');
    if (address === undefined) throw new UsageError(`--address is required\n${REGISTER_USAGE}`);
    const port = integerFlag(flags, 'port');
    if (port === undefined) throw new UsageError(`--port is required\n${REGISTER_USAGE}`);
    const weight = integerFlag(flags, 'weight');
    const labels = labelsFlag(flags);
    const zone = stringFlag(flags, 'zone');
    const region = stringFlag(flags, 'region');
    const ttl = stringFlag(flags, 'ttl');
    const target = adminTarget(flags);

    const body = {
      address,
      port,
      ...(labels !== undefined && { labels }),
      ...(weight !== undefined && { weight }),
      ...(zone !== undefined && { zone }),
      ...(region !== undefined && { region }),
      ...(ttl !== undefined && { ttl }),
    };
    const result = await callAdmin(target, 'PUT', adminPath('v1', 'services', service, 'instances', id), body);
    const failed = report('register', target, result, io);
    if (failed !== undefined) return failed;
    io.stdout(`registered ${service}/${id} at ${address.includes(':') ? `[${address}]` : address}:${port}${ttl ? ` (ttl ${ttl})` : ''}`);
    return EXIT_OK;
  });
}

export function runDeregister(argv: string[], io: CliIo, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  return runCommand('deregister', io, async () => {
    const flags = parseFlags('deregister', argv, ADMIN_FLAGS, env);
    if (flags.values.help) {
      io.stdout(DEREGISTER_USAGE);
      return EXIT_OK;
    }
    const [service, id] = serviceAndId(flags, DEREGISTER_USAGE);
    const target = adminTarget(flags);
    const result = await callAdmin(target, 'DELETE', adminPath('v1', 'services', service, 'instances', id));
    const failed = report('deregister', target, result, io);
    if (failed !== undefined) return failed;
    io.stdout(`deregistered ${service}/${id}`);
    return EXIT_OK;
  });
}
