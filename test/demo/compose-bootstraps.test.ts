// The Envoy bootstraps the compose setup uses are made at container start by each app's init
// container (compose/sidecar-init.sh against the running control plane). This runs that exact
// script, with each init container's arguments and environment from the resolved compose file,
// against a real `switchyard serve` configured as the compose control plane is (compose/mesh.yaml,
// the compose admin token, xDS secure by default); then checks every bootstrap strictly against
// Envoy's protos and validate.rules, and that the token in it proves the app's service.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as grpc from '@grpc/grpc-js';
import { SECRET_NAMES } from '../../src/model';
import { decodeMessage } from '../../src/proto/codec';
import { TypeUrl } from '../../src/proto/type-urls';
import { validateJsonMessage } from '../support/proto-json';
import { sotwClient } from '../support/ads-client';
import { BIN, startServe, tempDir, type ServeProcess } from '../support/serve-process';
import { COMPOSE_DIR, appServices, resolvedCompose } from './compose-support';

const config = resolvedCompose();
const apps = appServices(config);
const dir = tempDir('switchyard-compose-');
let serve: ServeProcess;

interface Bootstrap {
  node: { id: string; cluster: string };
  admin: { address: { socket_address: { address: string; port_value: number } } };
  dynamic_resources: { ads_config: { grpc_services: Array<{ initial_metadata?: Array<{ key: string; value: string }> }> } };
  static_resources: {
    listeners?: Array<{ name: string; address: { socket_address: { address: string; port_value: number } } }>;
    clusters: Array<{
      name: string;
      load_assignment: { endpoints: Array<{ lb_endpoints: Array<{ endpoint: { address: { socket_address: { address: string; port_value: number } } } }> }> };
    }>;
  };
}

beforeAll(async () => {
  const server = config.services.switchyard!.environment!;
  serve = await startServe(
    ['--config', path.join(COMPOSE_DIR, 'mesh.yaml'), '--admin-token', server.SWITCHYARD_ADMIN_TOKEN!, '--xds-tls-names', server.SWITCHYARD_XDS_TLS_NAMES!],
    { secureXds: true },
  );
  // The image puts `switchyard` on PATH; here a shim runs this checkout's build.
  fs.mkdirSync(path.join(dir, 'bin'));
  fs.writeFileSync(path.join(dir, 'bin', 'switchyard'), `#!/bin/sh\nexec "${process.execPath}" "${BIN}" "$@"\n`, { mode: 0o755 });
});

afterAll(async () => {
  await serve?.stop();
});

/** Runs the init container's command as compose would (entrypoint sidecar-init = compose/sidecar-init.sh). */
function runInit(app: string): { status: number | null; stderr: string; stdout: string; file: string } {
  const init = config.services[`${app}-bootstrap`]!;
  expect(init.entrypoint).toEqual(['sidecar-init']);
  const file = path.join(dir, `${app}.yaml`);
  const r = spawnSync('sh', [path.join(COMPOSE_DIR, 'sidecar-init.sh'), ...init.command!], {
    encoding: 'utf8',
    env: {
      PATH: `${path.join(dir, 'bin')}:${process.env.PATH}`,
      ...init.environment,
      // The one substitution: the compose DNS name `switchyard` does not resolve here.
      SWITCHYARD_ADMIN_ADDRESS: serve.adminUrl.replace('http://', ''),
      BOOTSTRAP_FILE: file,
    },
    timeout: 30_000,
  });
  return { status: r.status, stderr: r.stderr, stdout: r.stdout, file };
}

describe('the bootstraps compose/sidecar-init.sh writes for each app', () => {
  it.each(apps.map(([name]) => name))('%s: written by the init command, valid as an Envoy Bootstrap, with a token that proves its service', async (app) => {
    const { DEMO_SERVICE: service, DEMO_INSTANCE: instance } = config.services[app]!.environment!;
    const r = runInit(app);
    expect(r.status, r.stderr).toBe(0);
    const bootstrap = parse(fs.readFileSync(r.file, 'utf8')) as Bootstrap;
    expect(validateJsonMessage('envoy.config.bootstrap.v3.Bootstrap', bootstrap)).toEqual([]);

    expect(bootstrap.node).toMatchObject({ id: instance, cluster: service });
    // ADS to the control plane by its compose name; the admin API on loopback only; stats for Prometheus on 15090.
    const xds = bootstrap.static_resources.clusters.find((c) => c.name === 'switchyard-xds')!;
    expect(xds.load_assignment.endpoints[0]!.lb_endpoints[0]!.endpoint.address.socket_address).toEqual({ address: 'switchyard', port_value: 18000 });
    expect(bootstrap.admin.address.socket_address.address).toBe('127.0.0.1');
    expect(bootstrap.static_resources.listeners?.map((l) => [l.name, l.address.socket_address])).toEqual([
      ['prometheus_stats', { address: '0.0.0.0', port_value: 15090 }],
    ]);

    // The token was minted by the server for this service: the server accepts it as proof of it.
    const auth = bootstrap.dynamic_resources.ads_config.grpc_services[0]!.initial_metadata?.find((m) => m.key === 'authorization');
    expect(auth?.value).toMatch(/^Bearer \S+$/);
    const res = await fetch(`${serve.adminUrl}/v1/certificates`, {
      method: 'POST',
      headers: { authorization: auth!.value, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { service: string }).service).toBe(service);

    // The xDS cluster verifies the listener with the CA bundle the init container wrote next to it.
    const tls = (xds as unknown as { transport_socket: { typed_config: { common_tls_context: { validation_context: { trusted_ca: { filename: string } } } } } })
      .transport_socket;
    expect(tls.typed_config.common_tls_context.validation_context.trusted_ca.filename).toBe('/etc/envoy/bootstrap/ca.pem');
    const caFile = path.join(path.dirname(r.file), 'ca.pem');
    expect(fs.readFileSync(caFile, 'utf8')).toBe(
      await (
        await fetch(`${serve.adminUrl}/v1/ca/bundle`, {
          headers: { authorization: `Bearer ${config.services.switchyard!.environment!.SWITCHYARD_ADMIN_TOKEN}` },
        })
      ).text(),
    );

    // And a stream that presents the bootstrap's node and initial metadata over TLS trusting that
    // bundle, as Envoy would, is sent its SDS secrets (certificate and trust bundle), which only a
    // proven stream ever gets.
    const metadata = new grpc.Metadata();
    metadata.set('authorization', auth!.value);
    const ads = sotwClient(serve.xdsAddress, metadata, grpc.credentials.createSsl(fs.readFileSync(caFile)));
    try {
      const names = [SECRET_NAMES.workload, SECRET_NAMES.trustBundle];
      ads.send({ node: { ...bootstrap.node, user_agent_name: 'envoy' }, type_url: TypeUrl.Secret, resource_names: names });
      const secrets = await ads.inbox.next(10_000);
      expect(secrets.type_url).toBe(TypeUrl.Secret);
      expect(secrets.resources).toHaveLength(2);
    } finally {
      ads.close();
    }
  });

  it("gateway: sidecar-init --gateway public writes a valid gateway bootstrap, and its node and token get gateway public's listeners and certificate", async () => {
    const r = runInit('gateway');
    expect(r.status, r.stderr).toBe(0);
    const bootstrap = parse(fs.readFileSync(r.file, 'utf8')) as Bootstrap & { node: { metadata: Record<string, string> } };
    expect(validateJsonMessage('envoy.config.bootstrap.v3.Bootstrap', bootstrap)).toEqual([]);
    expect(bootstrap.node).toEqual({ id: 'public', cluster: 'public', metadata: { 'switchyard.io/gateway': 'public' } });
    expect(bootstrap.static_resources.listeners?.map((l) => [l.name, l.address.socket_address])).toEqual([
      ['prometheus_stats', { address: '0.0.0.0', port_value: 15090 }],
    ]);
    const auth = bootstrap.dynamic_resources.ads_config.grpc_services[0]!.initial_metadata?.find((m) => m.key === 'authorization');
    const metadata = new grpc.Metadata();
    metadata.set('authorization', auth!.value);
    // The gateway verifies the TLS xDS listener with the CA bundle its init command wrote beside the bootstrap.
    const caFile = path.join(path.dirname(r.file), 'ca.pem');
    const ads = sotwClient(serve.xdsAddress, metadata, grpc.credentials.createSsl(fs.readFileSync(caFile)));
    try {
      const node = { ...bootstrap.node, metadata: { fields: { 'switchyard.io/gateway': { stringValue: 'public' } } }, user_agent_name: 'envoy' };
      ads.send({ node, type_url: TypeUrl.Listener });
      const lds = await ads.inbox.next(10_000);
      expect(lds.resources.map((x) => decodeMessage<{ name: string }>(x.type_url, x.value).name)).toEqual(['gateway|8000', 'gateway|8443']);
      ads.send({ type_url: TypeUrl.Secret, resource_names: [SECRET_NAMES.workload, SECRET_NAMES.trustBundle] });
      const secrets = await ads.inbox.next(10_000);
      expect(secrets.resources).toHaveLength(2);
    } finally {
      ads.close();
    }
  });

  it('fails, and writes nothing, when the control plane refuses the admin token', () => {
    const init = config.services['orders-bootstrap']!;
    const file = path.join(dir, 'refused.yaml');
    const r = spawnSync('sh', [path.join(COMPOSE_DIR, 'sidecar-init.sh'), ...init.command!], {
      encoding: 'utf8',
      env: {
        PATH: `${path.join(dir, 'bin')}:${process.env.PATH}`,
        ...init.environment,
        SWITCHYARD_ADMIN_ADDRESS: serve.adminUrl.replace('http://', ''),
        SWITCHYARD_ADMIN_TOKEN: 'wrong',
        BOOTSTRAP_FILE: file,
      },
      timeout: 30_000,
    });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/--admin-token: the ACL token is not valid/);
    expect(fs.existsSync(file)).toBe(false);
  });
});
