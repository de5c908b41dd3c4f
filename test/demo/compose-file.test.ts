// compose/: the docker-compose file is valid Compose (Debian's docker-compose `config`), its
// wiring is what the demo needs (a sidecar per app in the app's network namespace, started from
// the bootstrap its init container wrote), the tier networks and the mesh policy agree, the mesh
// is the embedded shop's policy, and Prometheus' configuration passes promtool and scrapes everyone.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { parseExampleMesh } from '../../src/config/example-mesh';
import { parseMeshFile } from '../../src/config/parse';
import type { MeshConfig } from '../../src/model';
import { REPO_ROOT } from '../support/serve-process';
import { COMPOSE_DIR, COMPOSE_FILE, appServices, composeConfig, resolvedCompose } from './compose-support';

const config = resolvedCompose();
const apps = appServices(config);
const mesh = parseMeshFile(fs.readFileSync(path.join(COMPOSE_DIR, 'mesh.yaml'), 'utf8'), 'compose/mesh.yaml');

/** The networks an app is on, keyed by network name, with its address there. */
function addressesOf(app: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [net, spec] of Object.entries(config.services[app]!.networks ?? {})) out[net] = spec?.ipv4_address ?? '';
  return out;
}

function networkOfAddress(address: string): string {
  const net = Object.entries(config.networks).find(([, n]) => n.ipam?.config.some((c) => address.startsWith(c.subnet.replace(/0\/24$/, ''))));
  if (!net) throw new Error(`${address} is on no compose network`);
  return net[0];
}

describe('compose/docker-compose.yml', () => {
  it('is valid Compose: docker-compose config accepts it, and rejects a file with an unknown key', () => {
    expect(composeConfig(COMPOSE_FILE).status).toBe(0);
    // The same check must be able to fail: one unknown option, and it names it.
    const broken = fs.readFileSync(COMPOSE_FILE, 'utf8').replace('  switchyard:\n', '  switchyard:\n    sidecar: envoy\n');
    const r = composeConfig('-', broken);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain("Unsupported config option for services.switchyard: 'sidecar'");
  });

  it('builds the control plane from the Dockerfile at the repo root, and runs the demo app and sidecar-init from the same image', () => {
    const image = config.services.switchyard!.image;
    expect(config.services.switchyard!.build).toEqual({ context: REPO_ROOT, dockerfile: 'Dockerfile' });
    const dockerfile = fs.readFileSync(path.join(REPO_ROOT, 'Dockerfile'), 'utf8');
    expect(dockerfile).toContain('ENTRYPOINT ["switchyard"]');
    expect(dockerfile).toContain('COPY compose/sidecar-init.sh /usr/local/bin/sidecar-init');
    for (const [name, app] of apps) {
      expect(app.image, name).toBe(image);
      expect(app.entrypoint, name).toEqual(['node', '/app/dist/demo/http-app.js']);
    }
    expect(fs.existsSync(path.join(REPO_ROOT, 'dist/demo/http-app.js'))).toBe(true);
  });

  it('gives every app an official Envoy sidecar in its network namespace, started only after its bootstrap was written', () => {
    expect(apps.map(([name]) => name).sort()).toEqual(['catalog-v1', 'catalog-v2', 'db', 'frontend', 'orders', 'payments']);
    for (const [name, app] of apps) {
      const envoy = config.services[`${name}-envoy`]!;
      const init = config.services[`${name}-bootstrap`]!;
      expect(envoy.image, name).toMatch(/^envoyproxy\/envoy:v\d+\.\d+/);
      expect(envoy.network_mode, name).toBe(`service:${name}`);
      expect(envoy.depends_on, name).toEqual({ [`${name}-bootstrap`]: { condition: 'service_completed_successfully' } });
      expect(envoy.volumes, name).toEqual([`${name}-envoy:/etc/envoy/bootstrap:ro`]);
      expect(envoy.command, name).toEqual(['envoy', '-c', '/etc/envoy/bootstrap/envoy.yaml', '--log-level', 'warn']);
      expect(init.image, name).toBe(app.image);
      expect(init.entrypoint, name).toEqual(['sidecar-init']);
      expect(init.command, name).toEqual([app.environment.DEMO_SERVICE, app.environment.DEMO_INSTANCE]);
      expect(init.network_mode, name).toBe(`service:${name}`);
      expect(init.volumes, name).toEqual([`${name}-envoy:/bootstrap:rw`]);
      expect(init.depends_on, name).toEqual({ switchyard: { condition: 'service_healthy' }, [name]: { condition: 'service_started' } });
    }
  });

  it('has the tier networks, every inner one internal', () => {
    expect(Object.fromEntries(Object.entries(config.networks).map(([n, spec]) => [n, spec.internal === true]))).toEqual({
      dmz: false,
      web: true,
      api: true,
      payment: true,
      data: true,
    });
    // Only the edge publishes ports to the host: the gateway's front door, and, on loopback only,
    // the admin API, Prometheus and Grafana. Of the mesh's containers, only the gateway.
    const published = Object.entries(config.services)
      .filter(([, s]) => s.ports)
      .map(([n]) => n)
      .sort();
    expect(published).toEqual(['gateway', 'grafana', 'prometheus', 'switchyard']);
  });

  it("lists every app's fixed address as its service's endpoint in compose/mesh.yaml, at the sidecar port", () => {
    expect(mesh.problems).toEqual([]);
    for (const [name, app] of apps) {
      const service = mesh.config!.services.find((s) => s.name === app.environment.DEMO_SERVICE)!;
      const addresses = Object.values(addressesOf(name));
      const endpoint = service.endpoints?.find((e) => addresses.includes(e.address));
      expect(endpoint, name).toBeDefined();
      expect(endpoint!.port).toBe(15006);
      expect(endpoint!.labels ?? {}).toEqual(app.environment.DEMO_VERSION ? { version: app.environment.DEMO_VERSION } : {});
    }
  });

  it("runs the DMZ's gateway as an Envoy alone, configured as the mesh's gateway public, publishing exactly its listeners' ports", () => {
    const gateway = config.services.gateway!;
    const init = config.services['gateway-bootstrap']!;
    expect(gateway.image).toMatch(/^envoyproxy\/envoy:v\d+\.\d+/);
    expect(gateway.environment?.DEMO_SERVICE).toBeUndefined(); // no app behind it
    expect(gateway.command).toEqual(['envoy', '-c', '/etc/envoy/bootstrap/envoy.yaml', '--log-level', 'warn']);
    expect(gateway.volumes).toEqual(['gateway-envoy:/etc/envoy/bootstrap:ro']);
    expect(gateway.depends_on).toEqual({ 'gateway-bootstrap': { condition: 'service_completed_successfully' } });
    expect(init.entrypoint).toEqual(['sidecar-init']);
    expect(init.command).toEqual(['--gateway', 'public']);
    expect(init.depends_on).toEqual({ switchyard: { condition: 'service_healthy' } });
    // Its bootstrap container reaches the control plane on the dmz network.
    expect(Object.keys(init.networks ?? {})).toEqual(['dmz']);
    const listeners = mesh.config!.gateways!.find((g) => g.name === 'public')!.listeners;
    expect(gateway.ports).toEqual(listeners.map((l) => `127.0.0.1:${l.port}:${l.port}/tcp`));
    // It shares a network with every service it routes to.
    const nets = Object.keys(addressesOf('gateway'));
    for (const service of new Set(listeners.flatMap((l) => l.routes.flatMap((r) => r.destinations.map((d) => d.service))))) {
      const endpointNets = mesh.config!.services.find((s) => s.name === service)!.endpoints.map((e) => networkOfAddress(e.address));
      expect(
        endpointNets.some((n) => nets.includes(n)),
        service,
      ).toBe(true);
    }
  });

  it('segments by network as the mesh does: every allowed call has a network path, and across tiers no refused call has one', () => {
    // Callers are the services and the gateway (container `gateway`, gateway `public`).
    const services = [...mesh.config!.services, { name: 'public', endpoints: [] } as unknown as NonNullable<typeof mesh.config>['services'][number]];
    const appsOf = (service: string) => (service === 'public' ? ['gateway'] : apps.filter(([, a]) => a.environment.DEMO_SERVICE === service).map(([n]) => n));
    const reachable: string[] = [];
    const allowed: string[] = [];
    // An external service is outside every compose network: its caller's sidecar reaches it by DNS.
    for (const callee of services.filter((s) => !s.external)) {
      for (const caller of services) {
        if (caller === callee) continue;
        const pair = `${caller.name} -> ${callee.name}`;
        if (callee.allow?.includes(caller.name)) allowed.push(pair);
        const calleeNets = new Set((callee.endpoints ?? []).map((e) => networkOfAddress(e.address)));
        if (appsOf(caller.name).some((app) => Object.keys(addressesOf(app)).some((n) => calleeNets.has(n)))) reachable.push(pair);
      }
    }
    // Every allowed call can be made.
    expect(allowed.filter((p) => !reachable.includes(p))).toEqual([]);
    // Refused calls with a network path are only between neighbours on one tier network; there
    // only the mesh policy (the sidecars' RBAC and what each is sent) stands between them.
    expect(reachable.filter((p) => !allowed.includes(p)).sort()).toEqual(['catalog -> orders', 'orders -> catalog']);
    // The two named refusals have no network path at all.
    expect(reachable).not.toContain('frontend -> payments');
    expect(reachable).not.toContain('frontend -> db');
  });
});

describe('compose/mesh.yaml', () => {
  it("has exactly the embedded shop mesh's policy (only the static endpoints differ)", () => {
    // Compose alone sends traces, to its OpenTelemetry collector (the embedded mesh has none to send to).
    const withoutEndpoints = (c: MeshConfig) => ({
      ...c,
      mesh: { ...c.mesh, tracing: undefined },
      services: c.services.map(({ endpoints: _endpoints, ...s }) => s),
    });
    const embedded = parseExampleMesh().config!;
    expect(withoutEndpoints(mesh.config!)).toEqual(withoutEndpoints(embedded));
    expect(mesh.config!.mesh.tracing).toEqual({ otlp: { host: 'otel-collector', port: 4317 }, samplingPercent: 100 });
    expect(embedded.services.every((s) => (s.endpoints ?? []).length === 0)).toBe(true);
  });
});

describe('compose/prometheus.yml', () => {
  it('passes promtool check config', () => {
    const r = spawnSync('promtool', ['check', 'config', path.join(COMPOSE_DIR, 'prometheus.yml')], { encoding: 'utf8' });
    expect(r.error, 'promtool missing: install Debian prometheus (.ci/run does)').toBeUndefined();
    expect(r.status, r.stdout + r.stderr).toBe(0);
  });

  it("scrapes the control plane's /metrics and every app's sidecar at /stats/prometheus on 15090", () => {
    const prom = parse(fs.readFileSync(path.join(COMPOSE_DIR, 'prometheus.yml'), 'utf8')) as {
      scrape_configs: Array<{ job_name: string; metrics_path: string; static_configs: Array<{ targets: string[] }> }>;
    };
    const jobs = Object.fromEntries(
      prom.scrape_configs.map((j) => [j.job_name, { path: j.metrics_path, targets: j.static_configs.flatMap((s) => s.targets).sort() }]),
    );
    expect(jobs).toEqual({
      switchyard: { path: '/metrics', targets: [`switchyard:${config.services.switchyard!.environment!.SWITCHYARD_ADMIN_ADDRESS!.split(':')[1]}`] },
      envoy: { path: '/stats/prometheus', targets: [...apps.map(([n]) => n), 'gateway'].map((n) => `${n}:15090`).sort() },
    });
    // Prometheus can reach each of them: it is on every network.
    expect(Object.keys(config.services.prometheus!.networks ?? {}).sort()).toEqual(Object.keys(config.networks).sort());
  });
});

describe('compose: Grafana, the alert rules and the OpenTelemetry collector', () => {
  it("runs Grafana's official image with the provisioned datasource and dashboards, on loopback only", () => {
    const grafana = config.services.grafana!;
    expect(grafana.image).toMatch(/^grafana\/grafana:/);
    expect(grafana.ports).toEqual(['127.0.0.1:3000:3000/tcp']);
    const mounts = (grafana.volumes ?? []).map((v) => v.replace(`${COMPOSE_DIR}/`, './'));
    expect(mounts).toEqual(['./grafana/provisioning:/etc/grafana/provisioning:ro', './grafana/dashboards:/var/lib/grafana/dashboards:ro']);
    for (const dir of ['grafana/provisioning/datasources', 'grafana/provisioning/dashboards', 'grafana/dashboards'])
      expect(fs.readdirSync(path.join(COMPOSE_DIR, dir)).length).toBeGreaterThan(0);
    // It reaches Prometheus on a shared network.
    const promNets = Object.keys(config.services.prometheus!.networks ?? {});
    expect(Object.keys(grafana.networks ?? {}).some((n) => promNets.includes(n))).toBe(true);
  });

  it('mounts the alert rules beside prometheus.yml, which loads them', () => {
    const mounts = (config.services.prometheus!.volumes ?? []).map((v) => v.replace(`${COMPOSE_DIR}/`, './'));
    expect(mounts).toContain('./alerts.yml:/etc/prometheus/alerts.yml:ro');
    const prom = parse(fs.readFileSync(path.join(COMPOSE_DIR, 'prometheus.yml'), 'utf8')) as { rule_files: string[] };
    expect(prom.rule_files).toEqual(['alerts.yml']);
  });

  it('runs an OpenTelemetry collector with an OTLP gRPC receiver on every network (every proxy sends it logs and traces)', () => {
    const collector = config.services['otel-collector']!;
    expect(collector.image).toMatch(/^otel\/opentelemetry-collector/);
    expect(Object.keys(collector.networks ?? {}).sort()).toEqual(Object.keys(config.networks).sort());
    expect(collector.ports).toBeUndefined();
    const otel = parse(fs.readFileSync(path.join(COMPOSE_DIR, 'otel-collector.yaml'), 'utf8')) as {
      receivers: { otlp: { protocols: { grpc: { endpoint: string } } } };
      service: { pipelines: Record<string, { receivers: string[] }> };
    };
    expect(otel.receivers.otlp.protocols.grpc.endpoint).toBe('0.0.0.0:4317');
    expect(Object.keys(otel.service.pipelines).sort()).toEqual(['logs', 'traces']);
  });
});
