// The CA stage as serve runs it: the root (data dir, operator files, or shared through etcd),
// the xDS token authority, the keeper that holds a certificate per service, the expiry gauges,
// and the finisher that ends root rotations.
import * as path from 'node:path';
import type { Logger } from 'pino';
import { CertificateAuthority } from '../ca/authority';
import { CertificateKeeper, type CertificateSubject } from '../ca/keeper';
import { RotationFinisher } from '../ca/rotation-finisher';
import { openSharedCa, type SharedCa } from '../ca/shared-ca';
import { TokenAuthority } from '../ca/tokens';
import type { SwitchyardMetrics } from '../metrics/metrics';
import type { MeshConfig } from '../model';
import type { XdsServer } from '../xds';
import type { EtcdConnection } from './etcd-runner';
import type { ServeOptions } from './options';

/**
 * Sidecar certificates are issued up front only when the mesh uses mTLS: with `mtls: disabled`
 * no proxy is sent one, and issuing a thousand of them would only delay start-up (proxyless
 * workloads still get theirs from `switchyard agent` on demand). A reload that turns mTLS on
 * issues them then, before the first push that needs them.
 */
export function servicesNeedingCertificates(config: MeshConfig): readonly CertificateSubject[] {
  if (config.mesh.mtls === 'disabled') return [];
  // A gateway calls services over mTLS like a sidecar, as spiffe://<trustDomain>/svc/<gateway>;
  // its https listeners with issuer: mesh present that same certificate, so it carries their names.
  const gateways = (config.gateways ?? []).map((g) => ({
    name: g.name,
    dnsNames: [...new Set(g.listeners.flatMap((l) => (l.certificate?.kind === 'mesh' ? l.certificate.names : [])))].sort(),
  }));
  return [...config.services, ...gateways];
}

export interface CaRunner {
  readonly ca: CertificateAuthority;
  readonly tokens: TokenAuthority;
  readonly keeper: CertificateKeeper;
  /** Starts finishing rotations (one in progress now, and every later one). */
  startRotations(xds: XdsServer, isLeader: () => boolean): void;
  /** Starts a root rotation (the admin API's `ca rotate`). */
  rotate(): Promise<void>;
  stop(): Promise<void>;
}

export interface CaRunnerOptions {
  readonly options: ServeOptions;
  readonly trustDomain: string;
  readonly etcd?: EtcdConnection;
  readonly logger: Logger;
  readonly metrics: SwitchyardMetrics;
  /** Told when certificates or the bundle changed (renewal, rotation), to re-publish. */
  readonly onMaterialChanged: () => void;
}

export async function openCa(r: CaRunnerOptions): Promise<CaRunner> {
  const { options, metrics } = r;
  const logger = r.logger.child({ stage: 'ca' });
  const { keyType, certFile, keyFile } = options.ca;
  // Created under the data dir on first start (key 0600), loaded on every start after; over etcd
  // the root lives there unless the operator supplied one on shared files.
  const fileCa =
    options.sources.ca === 'data-dir' || certFile !== undefined
      ? await CertificateAuthority.open({
          dir: path.join(options.dataDir, 'ca'),
          trustDomain: r.trustDomain,
          keyType,
          rootCertFile: certFile,
          rootKeyFile: keyFile,
        })
      : undefined;
  let sharedCa: SharedCa | undefined;
  if (options.sources.ca === 'etcd') {
    if (r.etcd === undefined || options.etcd?.encryptionKey === undefined) throw new Error('a CA in etcd needs the etcd connection and the CA encryption key');
    sharedCa = await openSharedCa({
      client: r.etcd.client,
      keys: r.etcd.keys,
      encryptionKey: options.etcd.encryptionKey,
      trustDomain: r.trustDomain,
      keyType,
      logger,
      fileCa,
    });
  }
  const ca = sharedCa?.ca ?? fileCa!;
  const tokens = sharedCa?.tokens ?? TokenAuthority.open(path.join(options.dataDir, 'ca'));

  const refreshGauges = () => {
    metrics.rootExpirySeconds.set((ca.rootExpiry() - Date.now()) / 1000);
    const earliest = ca.facts().earliestWorkloadExpiry;
    if (earliest !== undefined) metrics.workloadExpirySeconds.set((earliest - Date.now()) / 1000);
  };
  refreshGauges();
  const gaugeTimer = setInterval(refreshGauges, 30_000).unref();

  const keeper = new CertificateKeeper(
    ca,
    logger,
    (n) => metrics.certificatesIssued.inc({ key_type: ca.facts().activeRoot.keyType }, n),
    () => {
      refreshGauges();
      r.onMaterialChanged();
    },
  );

  let rotation: RotationFinisher | undefined;
  return {
    ca,
    tokens,
    keeper,
    startRotations(xds, isLeader) {
      const finisher = new RotationFinisher(ca, xds, options.debounceMs, logger, () => keeper.ensure(), options.xdsSecurity.rotationGraceMs, isLeader);
      rotation = finisher;
      if (ca.rotating) finisher.start();
      sharedCa?.onAdopted(() => {
        // Another replica rotated (or finished): re-issue from the new root and re-push.
        keeper.ensure().catch((err: unknown) => logger.error({ err }, 'issuing certificates after a shared root change failed'));
        if (ca.rotating) finisher.start();
      });
    },
    async rotate() {
      await ca.rotate();
      await keeper.ensure();
      rotation?.start();
    },
    async stop() {
      clearInterval(gaugeTimer);
      keeper.stop();
      rotation?.stop();
      await sharedCa?.stop();
    },
  };
}
