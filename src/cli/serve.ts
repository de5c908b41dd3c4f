import * as fs from 'node:fs';
import * as path from 'node:path';
import { ADMIN_SECURITY_FLAGS, ADMIN_SECURITY_USAGE, adminSecuritySettings } from '../admin/admin-security';
import { parseEncryptionKey } from '../ca/sealed-key';
import { DEFAULT_ETCD_PREFIX, parseEtcdEndpoints } from '../etcd';
import type { ServeOptions } from '../server/options';
import { DEFAULT_LOG_LIMITS, LOG_LEVELS } from '../server/logger';
import { DEFAULT_MESH_FILE_LIMITS } from '../config/parse';
import { startServer } from '../server/serve';
import { DEFAULT_XDS_LIMITS } from '../xds/server';
import { parseDurationFlag, parseFlags, parseHostPort, stringFlag, type ParsedFlags } from './flags';
import { ETCD_ACCESS_FLAGS, etcdAccess } from './etcd-flags';
import { EXIT_OK, EXIT_USAGE, UsageError, type CliIo } from './io';

const USAGE = `usage: switchyard serve [--config FILE] [--data-dir DIR] [--xds-address H:P] [--admin-address H:P] [--admin-token T] ${ADMIN_SECURITY_USAGE} [--insecure-xds] [--ca-cert FILE --ca-key FILE] [--ca-key-type ecdsa-p256|rsa-2048] [--xds-tls-names localhost,…] [--xds-max-connection-age 30m] [--rotation-grace 10m] [--xds-max-streams N] [--xds-max-streams-per-connection N] [--xds-max-request-bytes N] [--xds-max-names-per-request N] [--xds-max-names-per-stream N] [--xds-max-groups N] [--max-mesh-file-bytes N] [--max-yaml-aliases N] [--log-max-field-length N] [--log-max-repeated-warnings N] [--debounce 100ms] [--history-keep 200] [--log-level info] [--log-format auto|json|pretty] [--registry embedded|etcd] [--mesh-source file|etcd] [--ca-source data-dir|etcd] [--etcd-endpoints URL,… [--etcd-prefix /switchyard/]] [--ca-encryption-key-file FILE] [--etcd-ca-file FILE [--etcd-cert-file FILE --etcd-key-file FILE]] [--etcd-username U --etcd-password-file FILE]`;

export const SERVE_FLAGS = {
  config: { type: 'string', env: 'SWITCHYARD_CONFIG' },
  'data-dir': { type: 'string', env: 'SWITCHYARD_DATA_DIR', default: '.switchyard' },
  'xds-address': { type: 'string', env: 'SWITCHYARD_XDS_ADDRESS', default: '0.0.0.0:18000' },
  'admin-address': { type: 'string', env: 'SWITCHYARD_ADMIN_ADDRESS', default: '127.0.0.1:18080' },
  'admin-token': { type: 'string', env: 'SWITCHYARD_ADMIN_TOKEN' },
  // Proof is required by default now; accepted (and ignored) so existing scripts keep starting.
  'require-xds-token': { type: 'boolean', env: 'SWITCHYARD_REQUIRE_XDS_TOKEN' },
  'insecure-xds': { type: 'boolean', env: 'SWITCHYARD_INSECURE_XDS' },
  'xds-max-connection-age': { type: 'string', env: 'SWITCHYARD_XDS_MAX_CONNECTION_AGE', default: '30m' },
  'rotation-grace': { type: 'string', env: 'SWITCHYARD_ROTATION_GRACE', default: '10m' },
  'xds-max-streams': { type: 'string', env: 'SWITCHYARD_XDS_MAX_STREAMS', default: String(DEFAULT_XDS_LIMITS.maxStreams) },
  'xds-max-streams-per-connection': {
    type: 'string',
    env: 'SWITCHYARD_XDS_MAX_STREAMS_PER_CONNECTION',
    default: String(DEFAULT_XDS_LIMITS.maxStreamsPerConnection),
  },
  'xds-max-request-bytes': { type: 'string', env: 'SWITCHYARD_XDS_MAX_REQUEST_BYTES', default: String(DEFAULT_XDS_LIMITS.maxRequestBytes) },
  'xds-max-names-per-request': { type: 'string', env: 'SWITCHYARD_XDS_MAX_NAMES_PER_REQUEST', default: String(DEFAULT_XDS_LIMITS.maxNamesPerRequest) },
  'xds-max-names-per-stream': { type: 'string', env: 'SWITCHYARD_XDS_MAX_NAMES_PER_STREAM', default: String(DEFAULT_XDS_LIMITS.maxNamesPerStream) },
  'xds-max-groups': { type: 'string', env: 'SWITCHYARD_XDS_MAX_GROUPS', default: '10000' },
  'max-mesh-file-bytes': { type: 'string', env: 'SWITCHYARD_MAX_MESH_FILE_BYTES', default: String(DEFAULT_MESH_FILE_LIMITS.maxBytes) },
  'max-yaml-aliases': { type: 'string', env: 'SWITCHYARD_MAX_YAML_ALIASES', default: String(DEFAULT_MESH_FILE_LIMITS.maxAliases) },
  'log-max-field-length': { type: 'string', env: 'SWITCHYARD_LOG_MAX_FIELD_LENGTH', default: String(DEFAULT_LOG_LIMITS.maxFieldLength) },
  'log-max-repeated-warnings': { type: 'string', env: 'SWITCHYARD_LOG_MAX_REPEATED_WARNINGS', default: String(DEFAULT_LOG_LIMITS.maxRepeatedWarnings) },
  'ca-cert': { type: 'string', env: 'SWITCHYARD_CA_CERT' },
  'ca-key': { type: 'string', env: 'SWITCHYARD_CA_KEY' },
  'ca-key-type': { type: 'string', env: 'SWITCHYARD_CA_KEY_TYPE', default: 'ecdsa-p256' },
  // TLS is the default now; accepted (and ignored) so existing scripts keep starting.
  'xds-tls': { type: 'boolean', env: 'SWITCHYARD_XDS_TLS' },
  'xds-tls-names': { type: 'string', env: 'SWITCHYARD_XDS_TLS_NAMES', default: 'localhost' },
  debounce: { type: 'string', env: 'SWITCHYARD_DEBOUNCE', default: '100ms' },
  'history-keep': { type: 'string', env: 'SWITCHYARD_HISTORY_KEEP', default: '200' },
  'log-level': { type: 'string', env: 'SWITCHYARD_LOG_LEVEL', default: 'info' },
  'log-format': { type: 'string', env: 'SWITCHYARD_LOG_FORMAT', default: 'auto' },
  registry: { type: 'string', env: 'SWITCHYARD_REGISTRY', default: 'embedded' },
  'mesh-source': { type: 'string', env: 'SWITCHYARD_MESH_SOURCE' },
  'ca-source': { type: 'string', env: 'SWITCHYARD_CA_SOURCE' },
  'etcd-endpoints': { type: 'string', env: 'SWITCHYARD_ETCD_ENDPOINTS' },
  'etcd-prefix': { type: 'string', env: 'SWITCHYARD_ETCD_PREFIX', default: DEFAULT_ETCD_PREFIX },
  'ca-encryption-key-file': { type: 'string', env: 'SWITCHYARD_CA_ENCRYPTION_KEY_FILE' },
  ...ADMIN_SECURITY_FLAGS,
  ...ETCD_ACCESS_FLAGS,
  help: { type: 'boolean' },
} as const;

/** Flags → ServeOptions → the server (src/server), until SIGTERM or SIGINT. */
export async function runServe(argv: string[], io: CliIo): Promise<number> {
  const flags = parseFlags('serve', argv, SERVE_FLAGS);
  if (flags.values.help) {
    io.stdout(USAGE);
    return EXIT_OK;
  }
  if (flags.positionals.length > 0) throw new UsageError(`serve: unexpected argument "${flags.positionals[0]}"\n${USAGE}`);
  const server = await startServer(serveOptions(flags, argv), io.stderr);
  if (server === 'invalid-mesh') return EXIT_USAGE;
  return new Promise<number>((resolve) => {
    const stop = () => void server.stop().then(() => resolve(EXIT_OK));
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
}

type ServeFlags = ParsedFlags;

function oneOf<T extends string>(flags: ServeFlags, name: keyof typeof SERVE_FLAGS, allowed: readonly T[]): T {
  const value = stringFlag(flags, name)!;
  if (!(allowed as readonly string[]).includes(value)) throw new UsageError(`serve: --${name}: expected ${allowed.join(', ')}, got "${value}"`);
  return value as T;
}

/** Every flag checked and turned into what the server runs with; a usage error names the flag. */
function serveOptions(flags: ServeFlags, argv: readonly string[]): ServeOptions {
  const configFile = stringFlag(flags, 'config');
  const caCert = stringFlag(flags, 'ca-cert');
  const caKey = stringFlag(flags, 'ca-key');
  if ((caCert === undefined) !== (caKey === undefined))
    throw new UsageError('serve: --ca-cert and --ca-key go together (an operator-supplied root needs both)');
  const registry = oneOf(flags, 'registry', ['embedded', 'etcd'] as const);
  // The mesh file and the CA follow the registry into etcd unless named otherwise, so replicas
  // share all three with one flag; each is still its own choice, logged at start.
  const meshFlag = stringFlag(flags, 'mesh-source');
  const mesh =
    meshFlag === undefined ? (registry === 'etcd' && configFile === undefined ? 'etcd' : 'file') : oneOf(flags, 'mesh-source', ['file', 'etcd'] as const);
  if (mesh === 'etcd' && configFile !== undefined)
    throw new UsageError('serve: --mesh-source etcd reads the mesh pushed with `switchyard config push`; drop --config, or use --mesh-source file');
  const caFlag = stringFlag(flags, 'ca-source');
  const ca = caFlag === undefined ? (registry === 'etcd' ? 'etcd' : 'data-dir') : oneOf(flags, 'ca-source', ['data-dir', 'etcd'] as const);
  const sources = { registry, mesh, ca } as const;
  const usesEtcd = registry === 'etcd' || mesh === 'etcd' || ca === 'etcd';

  const endpointsFlag = stringFlag(flags, 'etcd-endpoints');
  let etcd: ServeOptions['etcd'];
  if (usesEtcd) {
    if (endpointsFlag === undefined)
      throw new UsageError(
        'serve: a source in etcd (--registry, --mesh-source or --ca-source etcd) needs --etcd-endpoints (or SWITCHYARD_ETCD_ENDPOINTS), e.g. http://127.0.0.1:2379',
      );
    const parsed = parseEtcdEndpoints(endpointsFlag);
    if (typeof parsed === 'string') throw new UsageError(`serve: --etcd-endpoints: ${parsed}`);
    // Replicas over etcd share the CA root key (unless it is on shared files) and the xDS token
    // key through etcd, sealed with this key; without it they could not agree on either.
    let encryptionKey: Buffer | undefined;
    if (ca === 'etcd') {
      const keyFile = stringFlag(flags, 'ca-encryption-key-file');
      const inline = process.env.SWITCHYARD_CA_ENCRYPTION_KEY;
      if (keyFile !== undefined) encryptionKey = parseEncryptionKeyFlag(() => fs.readFileSync(keyFile, 'utf8'), `--ca-encryption-key-file ${keyFile}`);
      else if (inline !== undefined && inline !== '') encryptionKey = parseEncryptionKeyFlag(() => inline, 'SWITCHYARD_CA_ENCRYPTION_KEY');
      else
        throw new UsageError(
          'serve: a CA in etcd needs --ca-encryption-key-file FILE (or SWITCHYARD_CA_ENCRYPTION_KEY_FILE, or the key itself in SWITCHYARD_CA_ENCRYPTION_KEY): replicas share the CA and token keys through etcd, sealed with it; make one with `openssl rand -base64 32`',
        );
    }
    etcd = { endpoints: parsed, prefix: stringFlag(flags, 'etcd-prefix')!, encryptionKey, ...etcdAccess('serve', flags, parsed) };
  } else if (argv.some((a) => a === '--etcd-endpoints' || a.startsWith('--etcd-endpoints='))) {
    throw new UsageError('serve: --etcd-endpoints only applies when a source is in etcd (--registry, --mesh-source or --ca-source etcd)');
  }

  const adminAddress = parseHostPort(stringFlag(flags, 'admin-address')!, 'admin-address');
  return {
    xdsAddress: parseHostPort(stringFlag(flags, 'xds-address')!, 'xds-address'),
    adminAddress,
    admin: adminSecuritySettings(flags.values, adminAddress.host, (m) => new UsageError(m)),
    dataDir: path.resolve(stringFlag(flags, 'data-dir')!),
    configFile,
    sources,
    etcd,
    debounceMs: parseDurationFlag(stringFlag(flags, 'debounce')!, 'debounce'),
    historyKeep: historyKeep(stringFlag(flags, 'history-keep')!),
    logLevel: oneOf(flags, 'log-level', LOG_LEVELS),
    logFormat: oneOf(flags, 'log-format', ['json', 'pretty', 'auto'] as const),
    ca: { keyType: oneOf(flags, 'ca-key-type', ['ecdsa-p256', 'rsa-2048'] as const), certFile: caCert, keyFile: caKey },
    xdsSecurity: xdsSecurityOptions(flags),
    meshFileLimits: { maxBytes: countFlag(flags, 'max-mesh-file-bytes'), maxAliases: countFlag(flags, 'max-yaml-aliases') },
    logLimits: { maxFieldLength: countFlag(flags, 'log-max-field-length'), maxRepeatedWarnings: countFlag(flags, 'log-max-repeated-warnings') },
  };
}

/** A positive whole number flag; a usage error naming the flag otherwise. */
function countFlag(flags: ServeFlags, name: keyof typeof SERVE_FLAGS): number {
  const text = stringFlag(flags, name)!;
  const n = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(n) || n < 1)
    throw new UsageError(`serve: --${name}: expected a whole number of at least 1, got "${text}"`);
  return n;
}

function xdsSecurityOptions(flags: ServeFlags): ServeOptions['xdsSecurity'] {
  const insecure = flags.values['insecure-xds'] === true;
  if (insecure && flags.values['xds-tls'] === true)
    throw new UsageError('serve: --insecure-xds (plaintext) contradicts --xds-tls; TLS is the default, so drop --xds-tls');
  if (insecure && flags.values['require-xds-token'] === true)
    throw new UsageError(
      'serve: --insecure-xds (anonymous streams served) contradicts --require-xds-token; proof is required by default, so drop --require-xds-token',
    );
  return {
    insecure,
    tlsNames: stringFlag(flags, 'xds-tls-names')!,
    maxConnectionAgeMs: parseDurationFlag(stringFlag(flags, 'xds-max-connection-age')!, 'xds-max-connection-age'),
    rotationGraceMs: parseDurationFlag(stringFlag(flags, 'rotation-grace')!, 'rotation-grace'),
    limits: {
      maxStreams: countFlag(flags, 'xds-max-streams'),
      maxStreamsPerConnection: countFlag(flags, 'xds-max-streams-per-connection'),
      maxRequestBytes: countFlag(flags, 'xds-max-request-bytes'),
      maxNamesPerRequest: countFlag(flags, 'xds-max-names-per-request'),
      maxNamesPerStream: countFlag(flags, 'xds-max-names-per-stream'),
    },
    maxGroups: countFlag(flags, 'xds-max-groups'),
  };
}

/** Reads the operator's CA encryption key; any problem is a usage error naming where it came from. */
function parseEncryptionKeyFlag(read: () => string, source: string): Buffer {
  let text: string;
  try {
    text = read();
  } catch (err) {
    throw new UsageError(`serve: ${source}: cannot read it (${(err as Error).message})`);
  }
  try {
    return parseEncryptionKey(text, source);
  } catch (err) {
    throw new UsageError(`serve: ${(err as Error).message}`);
  }
}

function historyKeep(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new UsageError(`--history-keep: expected a positive number of entries, got "${value}"`);
  return Number(value);
}
