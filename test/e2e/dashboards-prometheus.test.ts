// The Grafana dashboards and alert rules in compose/ against a real Prometheus (Debian's package):
// it scrapes a real `switchyard serve` (registry in a real etcd, so switchyard_etcd_up exists)
// that real xDS streams are using, and every dashboard query must return data.
//
// The mesh dashboard reads Envoy's /stats/prometheus. No Envoy runs here, so its series are
// SYNTHETIC: small HTTP servers serve text in Envoy's exposition format, with the metric and tag
// names Envoy's default tag extraction produces (envoy_http_conn_manager_prefix,
// envoy_cluster_name, envoy_response_code_class, envoy_tcp_prefix) and the stats tags our
// bootstraps add (switchyard_service, switchyard_instance). That shows the queries are valid and
// select what they mean to, given those names; not that a real Envoy emits exactly this.
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as path from 'node:path';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TypeUrl } from '../../src/proto/type-urls';
import { sotwClient, type SotwClient } from '../support/ads-client';
import { startEtcd, type EtcdCluster } from '../support/etcd-cluster';
import { REPO_ROOT, adminJson, startServe, tempDir, type ServeProcess } from '../support/serve-process';
import { eventually } from '../support/xds-harness';

const COMPOSE = path.join(REPO_ROOT, 'compose');
const DASHBOARDS = path.join(COMPOSE, 'grafana/dashboards');
const TEST_CA_ENCRYPTION_KEY = Buffer.alloc(32, 7).toString('base64');

interface Target {
  refId: string;
  expr: string;
  datasource: { type: string; uid: string };
}
interface Panel {
  id: number;
  type: string;
  title: string;
  gridPos: { x: number; y: number; w: number; h: number };
  datasource?: { type: string; uid: string };
  targets?: Target[];
}
interface Dashboard {
  uid: string;
  title: string;
  panels: Panel[];
}

const dashboards: Array<{ file: string; dashboard: Dashboard }> = fs
  .readdirSync(DASHBOARDS)
  .filter((f) => f.endsWith('.json'))
  .sort()
  .map((file) => ({ file, dashboard: JSON.parse(fs.readFileSync(path.join(DASHBOARDS, file), 'utf8')) as Dashboard }));

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = net.createServer().listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

// ---- synthetic Envoy stats -------------------------------------------------------------------

/** Envoy's default histogram buckets (milliseconds). */
const ENVOY_BUCKETS = [0.5, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000, 300000, 600000, 1800000, 3600000];

function labels(l: Record<string, string>): string {
  return `{${Object.entries(l)
    .map(([k, v]) => `${k}="${v}"`)
    .join(',')}}`;
}

/**
 * One sidecar's /stats/prometheus: counters grow with every scrape, so rate() sees traffic.
 * `calls` are its upstream clusters; `tcp` makes its inbound side a tcp_proxy instead of an HCM.
 */
function envoyStats(service: string, instance: string, calls: readonly string[], tcp: boolean, gateway = false): () => string {
  let scrapes = 0;
  return () => {
    scrapes++;
    const tags = { switchyard_service: service, switchyard_instance: instance };
    const lines: string[] = [];
    const counter = (name: string, series: Array<[Record<string, string>, number]>) => {
      lines.push(`# TYPE ${name} counter`);
      for (const [l, v] of series) lines.push(`${name}${labels(l)} ${v}`);
    };
    if (gateway) {
      // An ingress gateway: its HCMs are gateway_<port>, and Envoy tags a listener's TLS stats
      // with its address (envoy_listener_address="0.0.0.0_8443").
      const l = { envoy_http_conn_manager_prefix: 'gateway_8443', ...tags };
      const total = scrapes * 30;
      counter('envoy_http_downstream_rq_xx', [
        [{ ...l, envoy_response_code_class: '2' }, total - scrapes],
        [{ ...l, envoy_response_code_class: '4' }, scrapes],
      ]);
      lines.push('# TYPE envoy_http_downstream_rq_time histogram');
      for (const le of ENVOY_BUCKETS) lines.push(`envoy_http_downstream_rq_time_bucket${labels({ ...l, le: String(le) })} ${le < 10 ? 0 : total}`);
      lines.push(`envoy_http_downstream_rq_time_bucket${labels({ ...l, le: '+Inf' })} ${total}`);
      lines.push(`envoy_http_downstream_rq_time_sum${labels(l)} ${total * 15}`);
      lines.push(`envoy_http_downstream_rq_time_count${labels(l)} ${total}`);
      counter('envoy_listener_ssl_handshake', [[{ envoy_listener_address: '0.0.0.0_8443', ...tags, switchyard_gateway: service }, scrapes * 5]]);
    } else if (tcp) {
      const l = { envoy_tcp_prefix: `inbound_${service}`, ...tags };
      counter('envoy_tcp_downstream_cx_total', [[l, scrapes * 3]]);
      counter('envoy_tcp_downstream_cx_rx_bytes_total', [[l, scrapes * 4096]]);
    } else {
      const l = { envoy_http_conn_manager_prefix: `inbound_${service}`, ...tags };
      const total = scrapes * 20;
      const errors = scrapes;
      counter('envoy_http_downstream_rq_total', [[l, total]]);
      counter('envoy_http_downstream_rq_xx', [
        [{ envoy_http_conn_manager_prefix: l.envoy_http_conn_manager_prefix, envoy_response_code_class: '2', ...tags }, total - errors],
        [{ envoy_http_conn_manager_prefix: l.envoy_http_conn_manager_prefix, envoy_response_code_class: '5', ...tags }, errors],
      ]);
      // Half the requests under 5 ms, most under 25 ms, all under 250 ms.
      lines.push('# TYPE envoy_http_downstream_rq_time histogram');
      for (const le of ENVOY_BUCKETS) {
        const n = le < 5 ? 0 : le < 25 ? total / 2 : le < 250 ? Math.floor(total * 0.9) : total;
        lines.push(`envoy_http_downstream_rq_time_bucket${labels({ ...l, le: String(le) })} ${n}`);
      }
      lines.push(`envoy_http_downstream_rq_time_bucket${labels({ ...l, le: '+Inf' })} ${total}`);
      lines.push(`envoy_http_downstream_rq_time_sum${labels(l)} ${total * 12}`);
      lines.push(`envoy_http_downstream_rq_time_count${labels(l)} ${total}`);
    }
    const clusters = [...calls, `inbound|${service}`, 'switchyard-xds'];
    counter(
      'envoy_cluster_upstream_rq_total',
      clusters.map((c) => [{ envoy_cluster_name: c, ...tags }, scrapes * 10]),
    );
    counter(
      'envoy_cluster_upstream_rq_xx',
      clusters.map((c) => [{ envoy_cluster_name: c, envoy_response_code_class: '5', ...tags }, scrapes]),
    );
    counter(
      'envoy_cluster_upstream_rq_pending_overflow',
      clusters.map((c) => [{ envoy_cluster_name: c, ...tags }, scrapes * 2]),
    );
    return `${lines.join('\n')}\n`;
  };
}

function serveText(body: () => string): Promise<{ target: string; close(): void }> {
  return new Promise((resolve) => {
    const srv = http.createServer((req, res) => {
      if (req.url !== '/stats/prometheus') {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(body());
    });
    srv.listen(0, '127.0.0.1', () => resolve({ target: `127.0.0.1:${(srv.address() as net.AddressInfo).port}`, close: () => srv.close() }));
  });
}

// ---- the run ---------------------------------------------------------------------------------

let etcd: EtcdCluster;
let serve: ServeProcess;
let prometheus: ChildProcess | undefined;
let promUrl = '';
const fakes: Array<{ target: string; close(): void }> = [];
const streams: SotwClient[] = [];
let churn: NodeJS.Timeout | undefined;

beforeAll(async () => {
  etcd = await startEtcd(1);
  serve = await startServe(['--registry', 'etcd', '--etcd-endpoints', etcd.endpointsFlag, '--debounce', '20ms'], {
    env: { SWITCHYARD_CA_ENCRYPTION_KEY: TEST_CA_ENCRYPTION_KEY },
  });
  for (const [service, instance, calls, tcp] of [
    ['frontend', 'frontend-1', ['catalog', 'catalog/v1', 'catalog/v2', 'orders'], false],
    ['catalog', 'catalog-v1-1', ['db'], false],
    ['db', 'db-1', [], true],
  ] as const) {
    fakes.push(await serveText(envoyStats(service, instance, calls, tcp)));
  }
  fakes.push(await serveText(envoyStats('public', 'public', ['frontend'], false, true)));
  const dir = tempDir('switchyard-dashboards-');
  const envoyTargets = fakes.map((f) => `'${f.target}'`).join(', ');
  fs.copyFileSync(path.join(COMPOSE, 'alerts.yml'), path.join(dir, 'alerts.yml'));
  // /metrics needs the `read` rule: Prometheus scrapes with a token that has only that.
  const created = await adminJson(serve.adminUrl, 'POST', '/v1/acl/tokens', { name: 'prometheus', rules: ['read'] });
  fs.writeFileSync(path.join(dir, 'scrape-token'), (created.body as { secret: string }).secret, { mode: 0o600 });
  fs.writeFileSync(
    path.join(dir, 'prometheus.yml'),
    [
      'global:',
      '  scrape_interval: 1s',
      '  evaluation_interval: 1s',
      'rule_files: [alerts.yml]',
      'scrape_configs:',
      '  - job_name: switchyard',
      `    authorization: { credentials_file: ${path.join(dir, 'scrape-token')} }`,
      `    static_configs: [{ targets: ['${serve.adminUrl.replace('http://', '')}'] }]`,
      '  - job_name: envoy',
      '    metrics_path: /stats/prometheus',
      `    static_configs: [{ targets: [${envoyTargets}] }]`,
      '',
    ].join('\n'),
  );
  const port = await freePort();
  promUrl = `http://127.0.0.1:${port}`;
  prometheus = spawn(
    'prometheus',
    [`--config.file=${path.join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${path.join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`],
    { stdio: 'ignore' },
  );

  // Real xDS traffic for the control-plane panels: a frontend sidecar that ACKs everything (CDS
  // then EDS for every cluster it is sent), and one that NACKs its first CDS push.
  const acking = sotwClient(serve.xdsAddress);
  streams.push(acking);
  acking.send({ node: { id: 'frontend-1', cluster: 'frontend', user_agent_name: 'envoy' }, type_url: TypeUrl.Cluster });
  void (async () => {
    let askedEds = false;
    for (;;) {
      const res = await acking.inbox.next(120_000).catch(() => undefined);
      if (!res) return;
      acking.ack(res, res.type_url === TypeUrl.ClusterLoadAssignment ? ['catalog', 'orders'] : []);
      if (res.type_url === TypeUrl.Cluster && !askedEds) {
        askedEds = true;
        acking.send({ type_url: TypeUrl.ClusterLoadAssignment, resource_names: ['catalog', 'orders'] });
      }
    }
  })();
  // After Prometheus has scraped once, so the NACK is an increase it can see.
  await eventually(async () => (await query('up{job="switchyard"}').catch(() => ({ result: [] }))).result[0]?.value[1] === '1', 30_000, 'the first scrape');
  const nacking = sotwClient(serve.xdsAddress);
  streams.push(nacking);
  nacking.send({ node: { id: 'frontend-2', cluster: 'frontend', user_agent_name: 'envoy' }, type_url: TypeUrl.Cluster });
  nacking.nack(await nacking.inbox.next(10_000), 'simulated rejection for the NACK panel');

  // Registry churn: every registration is pushed as EDS to frontend-1, which ACKs it
  // (convergence), and re-translates the groups (translate duration).
  let n = 0;
  churn = setInterval(() => {
    n++;
    void adminJson(serve.adminUrl, 'PUT', `/v1/services/catalog/instances/c${n % 4}`, {
      address: '127.0.0.1',
      port: 9000 + n,
      labels: { version: n % 2 ? 'v1' : 'v2' },
    }).catch(() => undefined);
  }, 700);
}, 60_000);

afterAll(async () => {
  if (churn) clearInterval(churn);
  for (const s of streams) s.close();
  for (const f of fakes) f.close();
  prometheus?.kill('SIGTERM');
  await serve?.stop();
  await etcd?.close();
});

async function query(expr: string): Promise<{ status: string; error?: string; result: Array<{ metric: Record<string, string>; value: [number, string] }> }> {
  const res = await fetch(`${promUrl}/api/v1/query?query=${encodeURIComponent(expr)}`);
  const body = (await res.json()) as { status: string; error?: string; data?: { result: Array<{ metric: Record<string, string>; value: [number, string] }> } };
  return { status: body.status, error: body.error, result: body.data?.result ?? [] };
}

const finite = (r: { value: [number, string] }) => Number.isFinite(Number(r.value[1]));

describe('Grafana dashboards (compose/grafana)', () => {
  it('are well-formed: unique uids and panel ids, the provisioned datasource, panels on the 24-column grid, a query in every panel', () => {
    expect(dashboards.map((d) => d.file)).toEqual(['switchyard-control-plane.json', 'switchyard-mesh.json']);
    const datasources = parse(fs.readFileSync(path.join(COMPOSE, 'grafana/provisioning/datasources/prometheus.yml'), 'utf8')) as {
      datasources: Array<{ uid: string; type: string; url: string }>;
    };
    const ds = datasources.datasources[0]!;
    expect(ds).toMatchObject({ uid: 'prometheus', type: 'prometheus', url: 'http://prometheus:9090' });
    expect(new Set(dashboards.map((d) => d.dashboard.uid)).size).toBe(dashboards.length);
    for (const { file, dashboard } of dashboards) {
      const ids = dashboard.panels.map((p) => p.id);
      expect(new Set(ids).size, file).toBe(ids.length);
      for (const panel of dashboard.panels) {
        expect(panel.gridPos.x + panel.gridPos.w, `${file}: ${panel.title}`).toBeLessThanOrEqual(24);
        if (panel.type === 'row') continue;
        expect(panel.datasource, `${file}: ${panel.title}`).toEqual({ type: ds.type, uid: ds.uid });
        expect(panel.targets?.length, `${file}: ${panel.title}`).toBeGreaterThan(0);
        for (const t of panel.targets!) {
          expect(t.datasource.uid).toBe(ds.uid);
          expect(t.expr).not.toContain('$'); // no Grafana variables: each query runs as written
        }
      }
    }
    // The provider reads the folder compose mounts the dashboards into.
    const provider = parse(fs.readFileSync(path.join(COMPOSE, 'grafana/provisioning/dashboards/switchyard.yml'), 'utf8')) as {
      providers: Array<{ options: { path: string } }>;
    };
    expect(provider.providers[0]!.options.path).toBe('/var/lib/grafana/dashboards');
  });

  it('every query returns data from Prometheus (switchyard_* from a real serve; envoy_* synthetic)', async () => {
    const queries = dashboards.flatMap(({ file, dashboard }) =>
      dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => ({ where: `${file}: ${p.title} (${t.refId})`, expr: t.expr }))),
    );
    expect(queries.length).toBeGreaterThan(20);
    const missing = new Map<string, string>();
    await eventually(
      async () => {
        missing.clear();
        for (const q of queries) {
          const r = await query(q.expr).catch((e: unknown) => ({ status: 'error', error: String(e), result: [] }));
          // A syntax error is not worth waiting for.
          if (r.status === 'error' && r.error?.includes('parse error')) throw new Error(`${q.where}: ${r.error}`);
          if (!r.result.some(finite)) missing.set(q.where, `${q.expr} → ${r.status} ${r.error ?? JSON.stringify(r.result)}`);
        }
        return missing.size === 0;
      },
      90_000,
      'every dashboard query to return a finite value',
    ).catch(() => {
      throw new Error(`queries without data:\n${[...missing].map(([w, e]) => `  ${w}: ${e}`).join('\n')}`);
    });
    // The values behind a few panels, checked: the NACKing stream and frontend-1's ACKs.
    expect(Number((await query('sum(switchyard_xds_nacks_total)')).result[0]!.value[1])).toBeGreaterThanOrEqual(1);
    expect(Number((await query('sum(switchyard_xds_proxies_unsynced)')).result[0]!.value[1])).toBeGreaterThanOrEqual(1);
    expect((await query('switchyard_etcd_up')).result[0]!.value[1]).toBe('1');
  }, 120_000);

  it('every metric the alert rules name is exported by the real serve, and Prometheus loaded the rules', async () => {
    const rules = parse(fs.readFileSync(path.join(COMPOSE, 'alerts.yml'), 'utf8')) as { groups: Array<{ rules: Array<{ alert: string; expr: string }> }> };
    const names = new Set(rules.groups.flatMap((g) => g.rules.flatMap((r) => r.expr.match(/switchyard_[a-z0-9_]+/g) ?? [])));
    expect(names.size).toBeGreaterThan(5);
    for (const name of names) {
      const r = await query(`count(${name})`);
      expect(r.result.length, `${name} is not in Prometheus`).toBe(1);
    }
    const loaded = (await (await fetch(`${promUrl}/api/v1/rules`)).json()) as { data: { groups: Array<{ rules: Array<{ name: string; health: string }> }> } };
    const loadedRules = loaded.data.groups.flatMap((g) => g.rules);
    expect(loadedRules.map((r) => r.name).sort()).toEqual(rules.groups.flatMap((g) => g.rules.map((r) => r.alert)).sort());
    // NACKs happened (frontend-2), so that alert is active; the rest evaluate without error.
    await eventually(
      async () => {
        const alerts = (await (await fetch(`${promUrl}/api/v1/alerts`)).json()) as { data: { alerts: Array<{ labels: { alertname: string } }> } };
        return alerts.data.alerts.some((a) => a.labels.alertname === 'SwitchyardXdsNacks');
      },
      30_000,
      'SwitchyardXdsNacks to be active',
    );
    const after = (await (await fetch(`${promUrl}/api/v1/rules`)).json()) as { data: { groups: Array<{ rules: Array<{ name: string; health: string }> }> } };
    for (const r of after.data.groups.flatMap((g) => g.rules)) expect(r.health, r.name).toBe('ok');
  }, 60_000);
});
