// Publishing and serving: mesh states → the publisher (translate, validate, snapshot per group)
// → the snapshot cache → the ADS server, with streams grouped by what they proved.
import * as grpc from '@grpc/grpc-js';
import type { Logger } from 'pino';
import { xdsServerCredentials } from '../ca/xds-tls';
import type { SwitchyardMetrics } from '../metrics/metrics';
import { hasIdentity, type MeshState } from '../model';
import { streamGroupResolver, proxyKindOf } from '../publish/grouping';
import { MeshPublisher } from '../publish/mesh-publisher';
import type { MeshStateSource } from '../publish/mesh-state';
import { meshTranslator, resourceValidator } from '../publish/translator';
import { meshSecurity } from '../translate/mesh-security';
import { SnapshotCache, XdsServer } from '../xds';
import { csdsService, type CsdsAuthorizer } from '../xds/csds';
import type { CaRunner } from './ca-runner';
import { formatHostPort, type ServeOptions } from './options';

export interface XdsRunner {
  readonly xds: XdsServer;
  readonly port: number;
  /** Something the mesh state depends on changed: publish a new state after the debounce window. */
  changed(): void;
  /** Who may read CSDS; serve sets it once ACL tokens are open. */
  setCsdsAuthorizer(authorize: CsdsAuthorizer): void;
  stop(): Promise<void>;
}

export async function startXds(options: ServeOptions, states: MeshStateSource, ca: CaRunner, metrics: SwitchyardMetrics, logger: Logger): Promise<XdsRunner> {
  const cache = new SnapshotCache();
  const publisher = new MeshPublisher(states.build(), cache, meshTranslator({ security: meshSecurity() }), logger, options.debounceMs, resourceValidator, {
    translationRejected: () => metrics.translationRejected.inc(),
    published: (_group, ms) => metrics.translateSeconds.observe(ms / 1000),
  });
  cache.setDemandHandler(publisher);

  const { xdsAddress, xdsSecurity } = options;
  const xds = new XdsServer({
    cache,
    logger: logger.child({ stage: 'xds' }),
    observer: metrics.xdsObserver((info) => (info.node ? proxyKindOf(info.node) : 'unknown')),
    limits: xdsSecurity.limits,
    maxConnectionAgeMs: xdsSecurity.maxConnectionAgeMs,
    onLimit: (limit) => metrics.limitHits.inc({ limit }),
    resolveGroup: streamGroupResolver({
      tokens: ca.tokens,
      allowAnonymous: xdsSecurity.insecure,
      trustDomain: () => ca.ca.trustDomain,
      knownService: (service) => hasIdentity(states.config, service),
      unknownService: () => metrics.limitHits.inc({ limit: 'unknown_service' }),
      groupFor: (proxy) => publisher.groupFor(proxy),
      maxGroups: {
        max: xdsSecurity.maxGroups,
        count: () => publisher.groupCount,
        exists: (proxy) => publisher.hasGroupFor(proxy),
        hit: () => metrics.limitHits.inc({ limit: 'groups' }),
      },
    }),
  });
  // CSDS rides on the xDS port, as in other control planes, so xDS tooling finds it there.
  // Refused until the admin side is open and supplies the ACL check (setCsdsAuthorizer).
  let authorizeCsds: CsdsAuthorizer = () => ({ code: grpc.status.UNAVAILABLE, message: 'the control plane is still starting' });
  const csds = csdsService(xds, (metadata) => authorizeCsds(metadata));
  xds.addService(csds.definition, csds.implementation);
  // A revoked token ends the streams it opened at once (here, and on every replica that learns
  // of it through etcd), not at their next reconnect.
  const unwatchRevocations = ca.tokens.onRevoked((id) => {
    const ended = xds.endStreams(
      (s) => s.info.credential?.kind === 'token' && s.info.credential.id === id,
      grpc.status.UNAUTHENTICATED,
      'the xDS token this stream presented was revoked',
    );
    if (ended > 0) logger.info({ token: id, streams: ended }, 'ended the xDS streams of a revoked token');
  });

  let tls: Awaited<ReturnType<typeof xdsServerCredentials>> | undefined;
  if (xdsSecurity.insecure) {
    logger.warn(
      { xds: formatHostPort(xdsAddress) },
      "--insecure-xds: the xDS port is plaintext and serves streams that prove nothing; anyone who can reach it can read the mesh's services and endpoints",
    );
  } else {
    tls = await xdsServerCredentials(ca.ca, xdsSecurity.tlsNames, xdsAddress.host, logger.child({ stage: 'xds-tls' }));
  }
  const port = await xds.listen(formatHostPort(xdsAddress), tls?.credentials);
  return {
    xds,
    port,
    changed() {
      // States are built when the debounce window closes, stamped with the latest change in it.
      const changedAt = Date.now();
      publisher.update((): MeshState => states.build(changedAt));
    },
    setCsdsAuthorizer(authorize) {
      authorizeCsds = authorize;
    },
    stop: async () => {
      unwatchRevocations();
      tls?.stop();
      await xds.shutdown(5000);
    },
  };
}
