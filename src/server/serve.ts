// The composition root of `switchyard serve`: opens each stage with its runner, in dependency
// order, connects their events, and stops them in reverse. ARCHITECTURE.md draws the pipeline.
import type { AdminServer } from '../admin';
import { openAdminSecurity } from '../admin/admin-security';
import { configureMeshFileLimits, DEFAULT_MESH_FILE_LIMITS, type MeshParseResult } from '../config';
import { SwitchyardMetrics } from '../metrics/metrics';
import { formatProblem, type MeshConfig, type Problem } from '../model';
import { MeshStateSource } from '../publish/mesh-state';
import { startAdmin } from './admin-runner';
import { openCa, servicesNeedingCertificates, type CaRunner } from './ca-runner';
import { lockDataDir } from './data-dir-lock';
import { openEtcd, type EtcdConnection } from './etcd-runner';
import { createLogger, DEFAULT_LOG_LIMITS } from './logger';
import { etcdMeshSource, fileMeshSource, type MeshSource } from './mesh-source';
import { formatHostPort, type ServeOptions } from './options';
import { openRegistry, type RegistryWiring } from './registry-runner';
import { startXds } from './xds-runner';
import * as path from 'node:path';
import { parseMeshFile } from '../config';
import { mergeInstances } from '../registry/merge';
import { HistoryStore } from '../history/history-store';
import { trackAcks } from '../history/ack-tracker';
import { EtcdHistory, localHistoryWriter, type HistoryWriter } from '../history/etcd-history';
import type { RollbackResult } from '../admin/routes/history';
import { csdsAuthorizer } from './csds-access';

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
  const metrics = new SwitchyardMetrics();
  const logger = createLogger(options.logLevel, options.logFormat, {
    ...DEFAULT_LOG_LIMITS,
    ...options.logLimits,
    onLimit: (limit) => metrics.limitHits.inc({ limit }),
  });
  configureMeshFileLimits({ ...DEFAULT_MESH_FILE_LIMITS, ...options.meshFileLimits, onLimit: (limit) => metrics.limitHits.inc({ limit }) });
  const { sources } = options;
  if (options.admin.warning) logger.warn(options.admin.warning);
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
    // The mesh in force as parsed (config, where each setting is written, the text).
    let currentMesh: MeshParseResult = meshSource.initial;

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
    // Every mesh version and admin write (src/history/).
    // With the mesh in etcd the history is shared there too, so every replica shows the same one.
    const sharedHistory = sources.mesh === 'etcd' && etcd !== undefined;
    const history = new HistoryStore(sharedHistory ? undefined : path.join(options.dataDir, 'history'), options.historyKeep);
    let historyWriter: HistoryWriter = localHistoryWriter(history);
    if (sharedHistory) {
      const shared = new EtcdHistory(history, etcd!.client, etcd!.keys.prefix, logger.child({ stage: 'history' }));
      opened.push(await shared.start());
      historyWriter = shared;
    }
    const sourceWho = sources.mesh === 'etcd' ? 'etcd' : 'file';
    const initialText = meshSource.initial.text;
    if (initialText !== undefined)
      await historyWriter.change((h) => h.recordMesh(initialText, meshSource.initial.config!, 'serve', `serve started with ${meshSource.name}`));
    opened.push(trackAcks(history, historyWriter, xds.xds, options.debounceMs));
    const onMeshChange = (result: MeshParseResult, attribution?: { who: string; what: string }) => {
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
      currentMesh = result;
      if (result.text !== undefined) {
        const by = attribution ?? { who: sourceWho, what: sources.mesh === 'etcd' ? 'mesh pushed to etcd' : 'mesh file reloaded' };
        const { text, config } = result;
        void historyWriter.change((h) => h.recordMesh(text, config, by.who, by.what));
      }
      metrics.configReloads.inc();
      metrics.configValid.set(1);
      logger.info({ file: meshSource.name }, 'mesh file reloaded');
      // New services get certificates first, so their proxies' first config can carry them.
      ca.keeper.ensure(servicesNeedingCertificates(result.config)).then(
        () => xds.changed(),
        (err: unknown) => logger.error({ err }, 'issuing certificates after reload failed'),
      );
    };
    opened.push(await meshSource.watch((result) => onMeshChange(result)));
    const rollback = async (version: number, who: string): Promise<RollbackResult> => {
      const text = history.meshTextAt(version)!;
      const parsed = parseMeshFile(text, meshSource.name);
      if (!parsed.config) return { ok: false, problems: parsed.problems.filter((p) => p.severity === 'error') };
      const what = `rollback to version ${version}`;
      if (sources.mesh === 'etcd' && etcd) {
        // Recorded first, with who asked: every replica's watch then sees this mesh already
        // current and records nothing more. Then pushed through etcd, so every replica follows.
        await historyWriter.change((h) => h.recordMesh(text, parsed.config!, who, what));
        await etcd.client.put(etcd.keys.meshConfig).value(text).exec();
        return { ok: true, note: 'pushed to etcd; every replica applies it from its watch' };
      }
      const before = history.current()?.version;
      onMeshChange(parsed, { who, what });
      const after = history.current();
      return {
        ok: true,
        ...(after && after.version !== before && { entry: after }),
        ...(sources.mesh === 'file' &&
          options.configFile !== undefined && { note: `applied in memory; ${options.configFile} is unchanged, and its next edit is applied as usual` }),
      };
    };

    // Over etcd only the leader finishes a rotation (it drops the previous root for every replica).
    ca.startRotations(xds.xds, () => etcd?.leadership.isLeader ?? true);

    // ACL tokens are shared state like the CA: in etcd (sealed with the same key) when the CA is.
    const adminSecurity = await openAdminSecurity({
      settings: options.admin,
      dataDir: options.dataDir,
      adminHost: options.adminAddress.host,
      ca: ca.ca,
      logger: logger.child({ stage: 'admin' }),
      ...(sources.ca === 'etcd' &&
        etcd &&
        options.etcd?.encryptionKey && { etcd: { client: etcd.client, keys: etcd.keys, encryptionKey: options.etcd.encryptionKey } }),
    });
    opened.push(() => adminSecurity.close());
    xds.setCsdsAuthorizer(csdsAuthorizer(adminSecurity.access));
    const admin: AdminServer = await startAdmin({
      address: options.adminAddress,
      security: adminSecurity,
      logger: logger.child({ stage: 'admin' }),
      registry: registry.registry,
      metrics,
      xds: xds.xds,
      ca,
      config: (): MeshConfig => states.config,
      history: { history, rollback, writer: historyWriter },
      instances: () => mergeInstances(states.config.services, registry.registry.snapshot().services),
      mesh: () => ({ config: states.config, ...(currentMesh.locations && { locations: currentMesh.locations }) }),
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
    adminSecurity.attach(admin);
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
