// Publishing and serving: mesh states → the publisher (translate, validate, snapshot per group)
// → the snapshot cache → the ADS server, with streams grouped by what they proved.
import type { Logger } from 'pino';
import { xdsServerCredentials } from '../ca/xds-tls';
import type { SwitchyardMetrics } from '../metrics/metrics';
import type { MeshState } from '../model';
import { streamGroupResolver, proxyKindOf } from '../publish/grouping';
import { MeshPublisher } from '../publish/mesh-publisher';
import type { MeshStateSource } from '../publish/mesh-state';
import { meshTranslator, resourceValidator } from '../publish/translator';
import { meshSecurity } from '../translate/mesh-security';
import { SnapshotCache, XdsServer } from '../xds';
import * as grpc from '@grpc/grpc-js';
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

  const xds = new XdsServer({
    cache,
    logger: logger.child({ stage: 'xds' }),
    observer: metrics.xdsObserver((info) => (info.node ? proxyKindOf(info.node) : 'unknown')),
    resolveGroup: streamGroupResolver({ tokens: ca.tokens, requireToken: options.xdsSecurity.requireToken, groupFor: (proxy) => publisher.groupFor(proxy) }),
  });
  // CSDS rides on the xDS port, as in other control planes, so xDS tooling finds it there.
  // Refused until the admin side is open and supplies the ACL check (setCsdsAuthorizer).
  let authorizeCsds: CsdsAuthorizer = () => ({ code: grpc.status.UNAVAILABLE, message: 'the control plane is still starting' });
  const csds = csdsService(xds, (metadata) => authorizeCsds(metadata));
  xds.addService(csds.definition, csds.implementation);
  const { xdsAddress, xdsSecurity } = options;
  const port = await xds.listen(
    formatHostPort(xdsAddress),
    xdsSecurity.tls ? await xdsServerCredentials(ca.ca, xdsSecurity.tlsNames, xdsAddress.host) : undefined,
  );
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
    stop: () => xds.shutdown(5000),
  };
}
