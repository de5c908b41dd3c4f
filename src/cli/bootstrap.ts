import * as path from 'node:path';
import * as os from 'node:os';
import { stringify } from 'yaml';
import { buildEnvoyBootstrap } from '../bootstrap/envoy-bootstrap';
import { buildGrpcBootstrap } from '../bootstrap/grpc-bootstrap';
import { EXIT_OK, UsageError, type CliIo } from './io';
import { parseFlags, parseHostPort, stringFlag } from './flags';

const USAGE = `usage:
  switchyard bootstrap envoy (--service S --instance ID | --gateway NAME [--instance ID]) [--xds-address H:P] [--token T | --cert-dir DIR] [--xds-ca-file FILE] [--insecure-xds] [--admin-port 9901] [--prometheus-port 15090] [--zone Z] [--region R] [--format yaml|json]
  switchyard bootstrap grpc [--xds-address H:P (the agent's relay)] [--node-id ID] [--service S] [--cert-dir DIR] [--zone Z] [--region R]`;

/** Where the control plane's CA bundle is on the proxy's host unless --xds-ca-file or --cert-dir say otherwise. */
export const DEFAULT_XDS_CA_FILE = '/etc/switchyard/ca.pem';

/** The address proxies dial: the server's own default binds 0.0.0.0, which no client can dial. */
const DEFAULT_XDS_ADDRESS = '127.0.0.1:18000';
const SERVICE_NAME = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

export async function runBootstrap(argv: string[], io: CliIo): Promise<number> {
  const [kind, ...rest] = argv;
  if (kind === 'envoy') return bootstrapEnvoy(rest, io);
  if (kind === 'grpc') return bootstrapGrpc(rest, io);
  if (kind === '--help' || kind === '-h') {
    io.stdout(USAGE);
    return EXIT_OK;
  }
  throw new UsageError(`bootstrap: expected "envoy" or "grpc"${kind ? `, got "${kind}"` : ''}\n${USAGE}`);
}

function bootstrapEnvoy(argv: string[], io: CliIo): number {
  const flags = parseFlags('bootstrap envoy', argv, {
    service: { type: 'string' },
    gateway: { type: 'string' },
    instance: { type: 'string' },
    'xds-address': { type: 'string', env: 'SWITCHYARD_XDS_ADDRESS', default: DEFAULT_XDS_ADDRESS },
    token: { type: 'string', env: 'SWITCHYARD_XDS_TOKEN' },
    'admin-port': { type: 'string', default: '9901' },
    'prometheus-port': { type: 'string' },
    format: { type: 'string', default: 'yaml' },
    'xds-ca-file': { type: 'string', env: 'SWITCHYARD_XDS_CA_FILE' },
    'cert-dir': { type: 'string', env: 'SWITCHYARD_CERT_DIR' },
    'insecure-xds': { type: 'boolean', env: 'SWITCHYARD_INSECURE_XDS' },
    zone: { type: 'string', env: 'SWITCHYARD_ZONE' },
    region: { type: 'string', env: 'SWITCHYARD_REGION' },
  });
  if (flags.positionals.length > 0) throw new UsageError(`bootstrap envoy: unexpected argument "${flags.positionals[0]}"`);
  const insecure = flags.values['insecure-xds'] === true;
  // Paths as given: they name files on the proxy's host (a container), not on this one.
  const certDir = stringFlag(flags, 'cert-dir');
  if (insecure && (certDir !== undefined || stringFlag(flags, 'xds-ca-file') !== undefined))
    throw new UsageError('bootstrap envoy: --insecure-xds (plaintext) contradicts --cert-dir and --xds-ca-file');
  const caFlag = stringFlag(flags, 'xds-ca-file');
  const xdsCaFile = insecure ? undefined : (caFlag ?? (certDir !== undefined ? `${certDir.replace(/\/+$/, '')}/ca.pem` : DEFAULT_XDS_CA_FILE));
  const gateway = stringFlag(flags, 'gateway');
  if (gateway !== undefined && stringFlag(flags, 'service') !== undefined)
    throw new UsageError(`bootstrap envoy: --gateway and --service exclude each other: a gateway fronts no service\n${USAGE}`);
  const service = gateway ?? required(flags, 'service');
  // A gateway usually runs once per host; its instance id defaults to its name.
  const instance = gateway !== undefined ? (stringFlag(flags, 'instance') ?? gateway) : required(flags, 'instance');
  const flag = gateway !== undefined ? 'gateway' : 'service';
  if (!SERVICE_NAME.test(service))
    throw new UsageError(`bootstrap envoy: --${flag}: "${service}" is not a valid ${flag} name (lowercase letters, digits and '-', at most 63)`);
  const { host, port } = parseHostPort(stringFlag(flags, 'xds-address')!, 'xds-address');
  const adminPort = Number(stringFlag(flags, 'admin-port'));
  if (!Number.isInteger(adminPort) || adminPort < 1 || adminPort > 65535)
    throw new UsageError(`bootstrap envoy: --admin-port: expected a port 1-65535, got "${stringFlag(flags, 'admin-port')}"`);
  const prometheusPortFlag = stringFlag(flags, 'prometheus-port');
  const prometheusPort = prometheusPortFlag === undefined ? undefined : Number(prometheusPortFlag);
  if (prometheusPort !== undefined && (!Number.isInteger(prometheusPort) || prometheusPort < 1 || prometheusPort > 65535 || prometheusPort === adminPort)) {
    throw new UsageError(`bootstrap envoy: --prometheus-port: expected a port 1-65535 other than --admin-port, got "${prometheusPortFlag}"`);
  }
  const format = stringFlag(flags, 'format')!;
  if (format !== 'yaml' && format !== 'json') throw new UsageError(`bootstrap envoy: --format: expected yaml or json, got "${format}"`);
  const bootstrap = buildEnvoyBootstrap({
    service,
    gateway: gateway !== undefined,
    instance,
    xdsHost: host,
    xdsPort: port,
    token: stringFlag(flags, 'token'),
    adminPort,
    prometheusPort,
    xdsCaFile,
    certDir: insecure ? undefined : certDir,
    xdsCaFileFromCertDir: certDir !== undefined && caFlag === undefined,
    ...localityFlags('bootstrap envoy', flags),
  });
  if (stringFlag(flags, 'token') === undefined && certDir === undefined && !insecure) {
    io.stderr('bootstrap envoy: no --token and no --cert-dir: a control plane that requires proof (the default) will refuse this proxy with UNAUTHENTICATED');
  }
  io.stdout(format === 'json' ? JSON.stringify(bootstrap, null, 2) : stringify(bootstrap));
  return EXIT_OK;
}

function bootstrapGrpc(argv: string[], io: CliIo): number {
  const flags = parseFlags('bootstrap grpc', argv, {
    'xds-address': { type: 'string', env: 'SWITCHYARD_XDS_ADDRESS', default: DEFAULT_XDS_ADDRESS },
    'node-id': { type: 'string' },
    service: { type: 'string' },
    'cert-dir': { type: 'string', env: 'SWITCHYARD_CERT_DIR' },
    zone: { type: 'string', env: 'SWITCHYARD_ZONE' },
    region: { type: 'string', env: 'SWITCHYARD_REGION' },
  });
  if (flags.positionals.length > 0) throw new UsageError(`bootstrap grpc: unexpected argument "${flags.positionals[0]}"`);
  const { host, port } = parseHostPort(stringFlag(flags, 'xds-address')!, 'xds-address');
  const nodeId = stringFlag(flags, 'node-id') ?? `${os.hostname()}-${process.pid}`;
  io.stdout(
    JSON.stringify(
      buildGrpcBootstrap({
        xdsHost: host,
        xdsPort: port,
        nodeId,
        service: stringFlag(flags, 'service'),
        certDir: certDirFlag(flags),
        ...localityFlags('bootstrap grpc', flags),
      }),
      null,
      2,
    ),
  );
  return EXIT_OK;
}

function required(flags: ReturnType<typeof parseFlags>, name: string): string {
  const v = stringFlag(flags, name);
  if (!v) throw new UsageError(`bootstrap envoy: --${name} is required\n${USAGE}`);
  return v;
}

/** An absolute path, since the bootstrap is read by another process from another directory. */
function certDirFlag(flags: ReturnType<typeof parseFlags>): string | undefined {
  const dir = stringFlag(flags, 'cert-dir');
  return dir === undefined ? undefined : path.resolve(dir);
}

// The registry's zone rule (registry/validation.ts), so a proxy's locality can equal an instance's.
const LOCALITY_NAME = /^[A-Za-z0-9]([A-Za-z0-9_.-]{0,61}[A-Za-z0-9])?$/;

/** --zone and --region become node.locality: endpoints are sent prioritised relative to it. */
function localityFlags(command: string, flags: ReturnType<typeof parseFlags>): { zone?: string; region?: string } {
  const out: { zone?: string; region?: string } = {};
  for (const name of ['zone', 'region'] as const) {
    const value = stringFlag(flags, name);
    if (value === undefined) continue;
    if (!LOCALITY_NAME.test(value)) throw new UsageError(`${command}: --${name}: "${value}" must be 1 to 63 letters, digits, '-', '_' or '.'`);
    out[name] = value;
  }
  return out;
}
