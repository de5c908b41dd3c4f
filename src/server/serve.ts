// The composition root of `switchyard serve`: opens each stage with its runner, in dependency
// order, connects their events, and stops them in reverse. ARCHITECTURE.md draws the pipeline.
import type { AdminServer } from '../admin';
import type { MeshParseResult } from '../config';
import { SwitchyardMetrics } from '../metrics/metrics';
import { formatProblem, type MeshConfig, type Problem } from '../model';
import { MeshStateSource } from '../publish/mesh-state';
import { startAdmin } from './admin-runner';
import { openCa, servicesNeedingCertificates, type CaRunner } from './ca-runner';
import { lockDataDir } from './data-dir-lock';
import { openEtcd, type EtcdConnection } from './etcd-runner';
import { createLogger } from './logger';
import { etcdMeshSource, fileMeshSource, type MeshSource } from './mesh-source';
import { formatHostPort, type ServeOptions } from './options';
import { openRegistry, type RegistryWiring } from './registry-runner';
import { startXds } from './xds-runner';

export interface RunningServer {
  readonly xdsPort: number;
  readonly adminAddress: { host: string; port: number };
  /** Drains xDS streams, closes the admin API, the stores and etcd, and releases the data dir. */
  stop(): Promise<void>;
}

/**
 * Starts everything, or returns `invalid-mesh` (after printing each problem through `report`)
 * when the mesh file cannot be served; nothing is left running then.
 */
export async function startServer(options: ServeOptions, report: (line: string) => void): Promise<RunningServer | 'invalid-mesh'> {
  const logger = createLogger(options.logLevel, options.logFormat);
  const metrics = new SwitchyardMetrics();
  const { sources } = options;
  logger.info(
    { registry: sources.registry, mesh: sources.mesh === 'file' ? (options.configFile ?? '(embedded example mesh)') : 'etcd', ca: sources.ca },
    'state sources',
  );

  const accept = (source: MeshSource): boolean => {
    for (const p of source.initial.problems) (p.severity === 'error' ? report : (s: string) => logger.warn(s))(formatProblem(p));
    if (source.initial.config) return true;
    report(`switchyard serve: ${source.name} is invalid; nothing was started`);
    return false;
  };
  // A mesh file is checked before anything is opened; one in etcd once the connection is up.
  let mesh: MeshSource | undefined = sources.mesh === 'file' ? fileMeshSource(options.configFile) : undefined;
  if (mesh && !accept(mesh)) return 'invalid-mesh';

  // The data dir holds local files either way (the CA, unless it is shared through etcd), so it
  // stays locked to one server; replicas over etcd each have their own.
  const releaseDataDir = lockDataDir(options.dataDir);
  const opened: Array<() => Promise<void> | void> = [releaseDataDir];
  const unwind = async () => {
    for (const close of opened.reverse()) await close();
  };
  try {
    const usesEtcd = sources.registry === 'etcd' || sources.mesh === 'etcd' || sources.ca === 'etcd';
    let etcd: EtcdConnection | undefined;
    if (usesEtcd) {
      if (options.etcd === undefined) throw new Error('a source in etcd needs --etcd-endpoints');
      etcd = openEtcd(options.etcd, logger);
      const connection = etcd;
      opened.push(() => connection.close());
    }
    const registry: RegistryWiring = await openRegistry({ kind: sources.registry, dataDir: options.dataDir, logger, etcd });
    opened.push(() => registry.close());
    etcd?.leadership.start();

    if (mesh === undefined) {
      mesh = await etcdMeshSource(etcd!, logger);
      if (!accept(mesh)) {
        await unwind();
        return 'invalid-mesh';
      }
    }
    const meshSource = mesh;
    metrics.configValid.set(1);
    let lastConfigProblem: Problem[] = [];

    // Certificate changes before the publisher exists need no re-publish.
    let republish = (): void => undefined;
    const ca: CaRunner = await openCa({
      options,
      trustDomain: meshSource.initial.config!.mesh.trustDomain,
      etcd,
      logger,
      metrics,
      onMaterialChanged: () => republish(),
    });
    opened.push(() => ca.stop());
    await ca.keeper.ensure(servicesNeedingCertificates(meshSource.initial.config!));

    const states = new MeshStateSource(
      meshSource.initial.config!,
      registry.registry,
      () => ca.keeper.current,
      (instances) => metrics.setInstances(instances),
    );
    const xds = await startXds(options, states, ca, metrics, logger);
    opened.push(() => xds.stop());
    republish = () => xds.changed();
    metrics.trackSync(() => xds.xds.streams());
    metrics.trackRotation(() => ca.ca.rotating);
    if (sources.registry === 'etcd') metrics.trackEtcd(() => registry.writable());

    const unwatchRegistry = registry.registry.watch(() => xds.changed());
    opened.push(unwatchRegistry);
    const onMeshChange = (result: MeshParseResult) => {
      if (!result.config) {
        lastConfigProblem = result.problems.filter((p) => p.severity === 'error');
        metrics.configReloadFailures.inc();
        metrics.configValid.set(0);
        logger.error(
          { file: meshSource.name, problems: lastConfigProblem.map(formatProblem) },
          'mesh file reload rejected; still serving the last valid config',
        );
        return;
      }
      lastConfigProblem = [];
      states.config = result.config;
      metrics.configReloads.inc();
      metrics.configValid.set(1);
      logger.info({ file: meshSource.name }, 'mesh file reloaded');
      // New services get certificates first, so their proxies' first config can carry them.
      ca.keeper.ensure(servicesNeedingCertificates(result.config)).then(
        () => xds.changed(),
        (err: unknown) => logger.error({ err }, 'issuing certificates after reload failed'),
      );
    };
    opened.push(await meshSource.watch(onMeshChange));

    // Over etcd only the leader finishes a rotation (it drops the previous root for every replica).
    ca.startRotations(xds.xds, () => etcd?.leadership.isLeader ?? true);

    const admin: AdminServer = await startAdmin({
      address: options.adminAddress,
      adminToken: options.adminToken,
      logger: logger.child({ stage: 'admin' }),
      registry: registry.registry,
      metrics,
      xds: xds.xds,
      ca,
      config: (): MeshConfig => states.config,
      writable: () => registry.writable(),
      readiness: () => [
        { name: 'registry', ok: true },
        { name: 'ca', ok: true, detail: `root ${ca.ca.facts().activeRoot.fingerprint.slice(0, 23)}… until ${ca.ca.facts().activeRoot.notAfter}` },
        { name: 'config', ok: lastConfigProblem.length === 0, detail: lastConfigProblem.map(formatProblem).join('; ') || undefined },
      ],
    });
    opened.push(() => admin.close());

    logger.info(
      {
        xds: `${options.xdsAddress.host}:${xds.port}`,
        admin: formatHostPort(admin.address),
        dataDir: options.dataDir,
        config: options.configFile ?? (sources.mesh === 'etcd' ? meshSource.name : '(embedded example mesh)'),
      },
      'switchyard serving',
    );
    let stopped: Promise<void> | undefined;
    return {
      xdsPort: xds.port,
      adminAddress: admin.address,
      stop: () => {
        stopped ??= (async () => {
          logger.info('shutting down: draining xDS streams');
          await unwind();
          logger.flush?.();
        })();
        return stopped;
      },
    };
  } catch (error) {
    // Nothing is serving yet: let go of etcd and the data dir so the process can exit.
    await unwind();
    throw error;
  }
}
