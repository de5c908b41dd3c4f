import * as path from 'node:path';
import type { MeshConfig, MeshState, Problem, ServicePolicy } from '../model';
import { formatProblem } from '../model';
import { SnapshotCache, XdsServer } from '../xds';
import { SwitchyardMetrics } from '../metrics/metrics';
import { CertificateAuthority } from '../ca/authority';
import { TokenAuthority } from '../ca/tokens';
import { CertificateKeeper, authenticateStream } from './serve-security';
import { RotationFinisher } from './rotation-finisher';
import { xdsServerCredentials } from './xds-tls';
import { lockDataDir } from './data-dir-lock';
import { MeshPublisher } from './mesh-publisher';
import { proxyIdentityOf, proxyKindOf } from './proxy-identity';
import { EXIT_OK, EXIT_USAGE, UsageError, type CliIo } from './io';
import { parseFlags, parseHostPort, stringFlag } from './flags';
import { parseDurationFlag } from './durations';
import { LOG_LEVELS, createLogger } from './logger';
import { loadMeshConfig, watchMeshConfig } from './serve-config';
import { meshTranslator, resourceValidator } from './serve-translate';
import { meshSecurity } from '../translate/mesh-security';
import { openRegistry, instancesOf } from './serve-registry';
import { DEFAULT_ETCD_PREFIX, parseEtcdEndpoints } from '../registry';
import type { MeshParseResult } from '../config';
import { etcdMeshSourceName, loadEtcdMesh, watchEtcdMesh } from './etcd-mesh-config';
import { openSharedCa, type SharedCa } from './etcd-ca-state';
import { parseEncryptionKey } from '../ca/sealed-key';
import * as fs from 'node:fs';
import { startAdmin } from './serve-admin';
import { ADMIN_SECURITY_FLAGS, ADMIN_SECURITY_USAGE, adminSecuritySettings, openAdminSecurity } from '../admin/admin-security';

/**
 * Sidecar certificates are issued up front only when the mesh uses mTLS: with `mtls: disabled`
 * no proxy is sent one, and issuing a thousand of them would only delay start-up (proxyless
 * workloads still get theirs from `switchyard agent` on demand). A reload that turns mTLS on
 * issues them then, before the first push that needs them.
 */
function servicesNeedingCertificates(config: MeshConfig): readonly ServicePolicy[] {
  return config.mesh.mtls === 'disabled' ? [] : config.services;
}

const USAGE = `usage: switchyard serve [--config FILE] [--data-dir DIR] [--xds-address H:P] [--admin-address H:P] [--admin-token T] ${ADMIN_SECURITY_USAGE} [--require-xds-token] [--ca-cert FILE --ca-key FILE] [--ca-key-type ecdsa-p256|rsa-2048] [--xds-tls] [--xds-tls-names localhost,…] [--debounce 100ms] [--log-level info] [--log-format auto|json|pretty] [--registry embedded|etcd --etcd-endpoints URL,… [--etcd-prefix /switchyard/] --ca-encryption-key-file FILE]`;

export const SERVE_FLAGS = {
  config: { type: 'string', env: 'SWITCHYARD_CONFIG' },
  'data-dir': { type: 'string', env: 'SWITCHYARD_DATA_DIR', default: '.switchyard' },
  'xds-address': { type: 'string', env: 'SWITCHYARD_XDS_ADDRESS', default: '0.0.0.0:18000' },
  'admin-address': { type: 'string', env: 'SWITCHYARD_ADMIN_ADDRESS', default: '127.0.0.1:18080' },
  'admin-token': { type: 'string', env: 'SWITCHYARD_ADMIN_TOKEN' },
  'require-xds-token': { type: 'boolean', env: 'SWITCHYARD_REQUIRE_XDS_TOKEN' },
  'ca-cert': { type: 'string', env: 'SWITCHYARD_CA_CERT' },
  'ca-key': { type: 'string', env: 'SWITCHYARD_CA_KEY' },
  'ca-key-type': { type: 'string', env: 'SWITCHYARD_CA_KEY_TYPE', default: 'ecdsa-p256' },
  'xds-tls': { type: 'boolean', env: 'SWITCHYARD_XDS_TLS' },
  'xds-tls-names': { type: 'string', env: 'SWITCHYARD_XDS_TLS_NAMES', default: 'localhost' },
  debounce: { type: 'string', env: 'SWITCHYARD_DEBOUNCE', default: '100ms' },
  'log-level': { type: 'string', env: 'SWITCHYARD_LOG_LEVEL', default: 'info' },
  'log-format': { type: 'string', env: 'SWITCHYARD_LOG_FORMAT', default: 'auto' },
  registry: { type: 'string', env: 'SWITCHYARD_REGISTRY', default: 'embedded' },
  'etcd-endpoints': { type: 'string', env: 'SWITCHYARD_ETCD_ENDPOINTS' },
  'etcd-prefix': { type: 'string', env: 'SWITCHYARD_ETCD_PREFIX', default: DEFAULT_ETCD_PREFIX },
  'ca-encryption-key-file': { type: 'string', env: 'SWITCHYARD_CA_ENCRYPTION_KEY_FILE' },
  ...ADMIN_SECURITY_FLAGS,
  help: { type: 'boolean' },
} as const;

/** The composition root: config and registry → mesh state → translate → cache → xDS, plus admin. */
export async function runServe(argv: string[], io: CliIo): Promise<number> {
  const flags = parseFlags('serve', argv, SERVE_FLAGS);
  if (flags.values.help) {
    io.stdout(USAGE);
    return EXIT_OK;
  }
  if (flags.positionals.length > 0) throw new UsageError(`serve: unexpected argument "${flags.positionals[0]}"\n${USAGE}`);
  const xdsAddress = parseHostPort(stringFlag(flags, 'xds-address')!, 'xds-address');
  const adminAddress = parseHostPort(stringFlag(flags, 'admin-address')!, 'admin-address');
  const adminSettings = adminSecuritySettings(flags.values, adminAddress.host, (m) => new UsageError(m));
  const debounceMs = parseDurationFlag(stringFlag(flags, 'debounce')!, 'debounce');
  const level = stringFlag(flags, 'log-level')!;
  if (!(LOG_LEVELS as readonly string[]).includes(level)) throw new UsageError(`serve: --log-level: expected one of ${LOG_LEVELS.join(', ')}, got "${level}"`);
  const logFormat = stringFlag(flags, 'log-format')!;
  if (logFormat !== 'json' && logFormat !== 'pretty' && logFormat !== 'auto') throw new UsageError(`serve: --log-format: expected json, pretty or auto, got "${logFormat}"`);
  const dataDir = path.resolve(stringFlag(flags, 'data-dir')!);
  const configFile = stringFlag(flags, 'config');
  const keyType = stringFlag(flags, 'ca-key-type')!;
  if (keyType !== 'ecdsa-p256' && keyType !== 'rsa-2048') throw new UsageError(`serve: --ca-key-type: expected ecdsa-p256 or rsa-2048, got "${keyType}"`);
  const caCert = stringFlag(flags, 'ca-cert');
  const caKey = stringFlag(flags, 'ca-key');
  if ((caCert === undefined) !== (caKey === undefined)) throw new UsageError('serve: --ca-cert and --ca-key go together (an operator-supplied root needs both)');
  const registryKind = stringFlag(flags, 'registry')!;
  if (registryKind !== 'embedded' && registryKind !== 'etcd') throw new UsageError(`serve: --registry: expected embedded or etcd, got "${registryKind}"`);
  const endpointsFlag = stringFlag(flags, 'etcd-endpoints');
  let etcdEndpoints: string[] | undefined;
  if (registryKind === 'etcd') {
    if (endpointsFlag === undefined) throw new UsageError('serve: --registry etcd needs --etcd-endpoints (or SWITCHYARD_ETCD_ENDPOINTS), e.g. http://127.0.0.1:2379');
    const parsed = parseEtcdEndpoints(endpointsFlag);
    if (typeof parsed === 'string') throw new UsageError(`serve: --etcd-endpoints: ${parsed}`);
    etcdEndpoints = parsed;
  }
  // Replicas over etcd share the CA root key (unless it is on shared files) and the xDS token
  // key through etcd, sealed with this key; without it they could not agree on either.
  let caEncryptionKey: Buffer | undefined;
  if (registryKind === 'etcd') {
    const keyFile = stringFlag(flags, 'ca-encryption-key-file');
    const inline = process.env.SWITCHYARD_CA_ENCRYPTION_KEY;
    if (keyFile !== undefined) caEncryptionKey = parseEncryptionKeyFlag(() => fs.readFileSync(keyFile, 'utf8'), `--ca-encryption-key-file ${keyFile}`);
    else if (inline !== undefined && inline !== '') caEncryptionKey = parseEncryptionKeyFlag(() => inline, 'SWITCHYARD_CA_ENCRYPTION_KEY');
    else throw new UsageError('serve: --registry etcd needs --ca-encryption-key-file FILE (or SWITCHYARD_CA_ENCRYPTION_KEY_FILE, or the key itself in SWITCHYARD_CA_ENCRYPTION_KEY): replicas share the CA and token keys through etcd, sealed with it; make one with `openssl rand -base64 32`');
  } else if (argv.some((a) => a === '--etcd-endpoints' || a.startsWith('--etcd-endpoints='))) {
    throw new UsageError('serve: --etcd-endpoints only applies with --registry etcd');
  }

  const logger = createLogger(level, logFormat);
  const metrics = new SwitchyardMetrics();
  if (adminSettings.warning) logger.warn(adminSettings.warning);

  // With --registry etcd and no --config, the mesh comes from etcd (`switchyard config push`),
  // read once the registry is open; otherwise from the file (or the embedded example) first.
  const meshFromEtcd = registryKind === 'etcd' && configFile === undefined;
  let loaded: (MeshParseResult & { source: string }) | undefined = meshFromEtcd ? undefined : loadMeshConfig(configFile);
  const reportLoad = (result: MeshParseResult, source: string): boolean => {
    for (const p of result.problems) (p.severity === 'error' ? io.stderr : (s: string) => logger.warn(s))(formatProblem(p));
    if (result.config) return true;
    io.stderr(`switchyard serve: ${source} is invalid; nothing was started`);
    return false;
  };
  if (loaded && !reportLoad(loaded, configFile ?? loaded.source)) return EXIT_USAGE;

  const releaseDataDir = lockDataDir(dataDir);
  // The data dir holds local files either way (the CA, unless it is shared through etcd), so
  // it stays locked to one server; replicas over etcd each have their own.
  const registryWiring = await openRegistry({ kind: registryKind, dataDir, logger, etcdEndpoints, etcdPrefix: stringFlag(flags, 'etcd-prefix') });
  const registry = registryWiring.registry;
  let meshRevision = '0';
  if (loaded === undefined) {
    const etcd = registryWiring.etcd!;
    const read = await loadEtcdMesh(etcd.client, etcd.keys.meshConfig);
    meshRevision = read.revision;
    if (read.result === undefined) logger.warn({ key: etcd.keys.meshConfig }, 'no mesh pushed to etcd yet (switchyard config push FILE); serving the embedded example mesh until one is');
    loaded = read.result ? { ...read.result, source: etcdMeshSourceName(etcd.keys.meshConfig) } : loadMeshConfig(undefined);
    if (!reportLoad(loaded, loaded.source)) {
      await registryWiring.close();
      releaseDataDir();
      return EXIT_USAGE;
    }
  }
  const configSource = configFile ?? loaded.source;
  metrics.configValid.set(1);
  let config: MeshConfig = loaded.config!;
  let lastConfigProblem: Problem[] = [];
  // Created under the data dir on first start (key 0600), loaded on every start after.
  let fileCa: CertificateAuthority | undefined;
  let sharedCa: SharedCa | undefined;
  try {
    if (registryWiring.etcd === undefined || caCert !== undefined) {
      fileCa = await CertificateAuthority.open({ dir: path.join(dataDir, 'ca'), trustDomain: config.mesh.trustDomain, keyType, rootCertFile: caCert, rootKeyFile: caKey });
    }
    if (registryWiring.etcd) {
      sharedCa = await openSharedCa({ client: registryWiring.etcd.client, keys: registryWiring.etcd.keys, encryptionKey: caEncryptionKey!, trustDomain: config.mesh.trustDomain, keyType, logger: logger.child({ stage: 'ca' }), fileCa });
    }
  } catch (error) {
    // Nothing is serving yet: let go of etcd and the data dir so the process can exit.
    await registryWiring.close();
    releaseDataDir();
    throw error;
  }
  const ca = sharedCa?.ca ?? fileCa!;
  const refreshCaGauges = () => {
    metrics.rootExpirySeconds.set((ca.rootExpiry() - Date.now()) / 1000);
    const earliest = ca.facts().earliestWorkloadExpiry;
    if (earliest !== undefined) metrics.workloadExpirySeconds.set((earliest - Date.now()) / 1000);
  };
  refreshCaGauges();
  const caGaugeTimer = setInterval(refreshCaGauges, 30_000).unref();
  const tokens = sharedCa?.tokens ?? TokenAuthority.open(path.join(dataDir, 'ca'));
  const requireToken = flags.values['require-xds-token'] === true;
  // Assigned below; certificate changes before the publisher exists need no re-publish.
  let republish = () => undefined as void;
  const keeper = new CertificateKeeper(ca, logger.child({ stage: 'ca' }), (n) => metrics.certificatesIssued.inc({ key_type: ca.facts().activeRoot.keyType }, n), () => {
    refreshCaGauges();
    republish();
  });
  await keeper.ensure(servicesNeedingCertificates(config));
  let stateVersion = 0;
  const buildState = (changedAt = Date.now()): MeshState => {
    const instances = instancesOf(config, registry);
    metrics.setInstances(instances);
    return { version: ++stateVersion, config, instances, changedAt, security: keeper.current };
  };

  const cache = new SnapshotCache();
  const publisher = new MeshPublisher(buildState(), cache, meshTranslator({ security: meshSecurity() }), logger, debounceMs, resourceValidator, {
    translationRejected: () => metrics.translationRejected.inc(),
    published: (_group, ms) => metrics.translateSeconds.observe(ms / 1000),
  });
  cache.setDemandHandler(publisher);
  // States are built when the debounce window closes, stamped with the latest change in it.
  const stateChanged = () => {
    const changedAt = Date.now();
    publisher.update(() => buildState(changedAt));
  };
  republish = stateChanged;

  const xds = new XdsServer({
    cache,
    logger: logger.child({ stage: 'xds' }),
    observer: metrics.xdsObserver((info) => (info.node ? proxyKindOf(info.node) : 'unknown')),
    resolveGroup: (node, _info, metadata) => {
      const auth = authenticateStream(tokens, requireToken, node, metadata);
      if ('error' in auth) return auth;
      return { group: publisher.groupFor(proxyIdentityOf(node, auth.authenticated)) };
    },
  });
  const xdsPort = await xds.listen(
    `${xdsAddress.host.includes(':') ? `[${xdsAddress.host}]` : xdsAddress.host}:${xdsAddress.port}`,
    flags.values['xds-tls'] === true ? await xdsServerCredentials(ca, stringFlag(flags, 'xds-tls-names')!, xdsAddress.host) : undefined,
  );

  const unwatchRegistry = registry.watch(stateChanged);
  const onMeshChange = (result: MeshParseResult) => {
    if (!result.config) {
      lastConfigProblem = result.problems.filter((p) => p.severity === 'error');
      metrics.configReloadFailures.inc();
      metrics.configValid.set(0);
      logger.error({ file: configSource, problems: lastConfigProblem.map(formatProblem) }, 'mesh file reload rejected; still serving the last valid config');
      return;
    }
    lastConfigProblem = [];
    config = result.config;
    metrics.configReloads.inc();
    metrics.configValid.set(1);
    logger.info({ file: configSource }, 'mesh file reloaded');
    // New services get certificates first, so their proxies' first config can carry them.
    keeper.ensure(servicesNeedingCertificates(config)).then(
      stateChanged,
      (err: unknown) => logger.error({ err }, 'issuing certificates after reload failed'),
    );
  };
  const stopWatchingConfig = configFile
    ? watchMeshConfig(configFile, onMeshChange)
    : meshFromEtcd
      ? await watchEtcdMesh(registryWiring.etcd!.client, registryWiring.etcd!.keys.meshConfig, meshRevision, logger, onMeshChange)
      : () => undefined;

  // Over etcd only the leader finishes a rotation (it drops the previous root for every replica).
  const leadership = registryWiring.etcd?.leadership;
  const rotation = new RotationFinisher(ca, xds, debounceMs, logger.child({ stage: 'ca' }), () => keeper.ensure(), () => leadership?.isLeader ?? true);
  if (ca.rotating) rotation.start();
  sharedCa?.onAdopted(() => {
    // Another replica rotated (or finished): re-issue from the new root and re-push.
    keeper.ensure().catch((err: unknown) => logger.error({ err }, 'issuing certificates after a shared root change failed'));
    if (ca.rotating) rotation.start();
  });

  const adminSecurity = await openAdminSecurity({ settings: adminSettings, dataDir, adminHost: adminAddress.host, ca, logger: logger.child({ stage: 'admin' }), ...(registryWiring.etcd && { etcd: { ...registryWiring.etcd, encryptionKey: caEncryptionKey! } }) });
  const admin = await startAdmin({
    host: adminAddress.host,
    port: adminAddress.port,
    adminSecurity,
    logger: logger.child({ stage: 'admin' }),
    registry,
    metrics,
    xds,
    ca,
    security: {
      knownService: (name) => config.services.some((svc) => svc.name === name),
      createToken: (service, ttlMs) => {
        const { token, claims } = tokens.create(service, ttlMs);
        return { token, id: claims.id, expiresAt: claims.expiresAt };
      },
      revokeToken: (id) => tokens.revoke(id),
      caFacts: () => ca.facts(),
      rotate: async () => {
        await ca.rotate();
        await keeper.ensure();
        rotation.start();
      },
    },
    certificates: {
      verifyToken: (token) => {
        const check = tokens.verify(token);
        return check.ok ? { ok: true, service: check.claims.service } : { ok: false, reason: check.reason };
      },
      certificateFor: async (service) => {
        const cert = await ca.certificateFor(service);
        return { certPem: cert.certPem, keyPem: cert.keyPem, notAfter: cert.notAfter };
      },
      trustBundlePem: () => ca.trustBundlePem(),
    },
    meshServices: () => config.services,
    writable: () => registryWiring.writable(),
    readiness: () => [
      { name: 'registry', ok: true },
      { name: 'ca', ok: true, detail: `root ${ca.facts().activeRoot.fingerprint.slice(0, 23)}… until ${ca.facts().activeRoot.notAfter}` },
      { name: 'config', ok: lastConfigProblem.length === 0, detail: lastConfigProblem.map(formatProblem).join('; ') || undefined },
    ],
  });

  logger.info({ xds: `${xdsAddress.host}:${xdsPort}`, admin: `${admin.address.host.includes(':') ? `[${admin.address.host}]` : admin.address.host}:${admin.address.port}`, dataDir, config: configFile ?? (meshFromEtcd ? configSource : '(embedded example mesh)') }, 'switchyard serving');
  adminSecurity.attach(admin);

  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = async (signal: string) => {
      if (stopping) return;
      stopping = true;
      logger.info({ signal }, 'shutting down: draining xDS streams');
      stopWatchingConfig();
      clearInterval(caGaugeTimer);
      keeper.stop();
      rotation.stop();
      unwatchRegistry();
      await xds.shutdown(5000);
      await admin.close();
      await adminSecurity.close();
      await sharedCa?.stop();
      await registryWiring.close();
      releaseDataDir();
      logger.flush?.();
      resolve(EXIT_OK);
    };
    process.once('SIGTERM', () => void stop('SIGTERM'));
    process.once('SIGINT', () => void stop('SIGINT'));
  });
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
