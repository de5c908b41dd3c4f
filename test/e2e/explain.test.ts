// switchyard explain against a real serve of the shop: proxies connected as raw ADS streams that
// subscribe like Envoy, explain walking what they were actually sent. The shop's refusals
// (frontend → payments, frontend → db, catalog → orders) must each name the allow list that
// refuses them; frontend → catalog must show the 90/10 split and the canary pin with their lines;
// a payments sidecar's RBAC must be judged from its own inbound listener; and a NACK must be traced
// to the refused clusters and their mesh lines.
import { spawnSync } from 'node:child_process';
import { LineCounter, isNode, parseDocument } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXAMPLE_MESH_FILE_NAME, EXAMPLE_MESH_YAML } from '../../src/config';
import type { Explanation } from '../../src/explain/explain-call';
import { TypeUrl } from '../../src/proto/type-urls';
import { envoyLike, type EnvoyLike } from '../support/envoy-like';
import { BIN, adminJson, startServe, type ServeProcess } from '../support/serve-process';
import { eventually } from '../support/xds-harness';

let serve: ServeProcess;
const proxies: EnvoyLike[] = [];

const lines = new LineCounter();
const shop = parseDocument(EXAMPLE_MESH_YAML, { lineCounter: lines });
const serviceIndex = (name: string) => (shop.toJS() as { services: Array<{ name: string }> }).services.findIndex((s) => s.name === name);
/** Where a setting of the shop is written, found with the yaml library alone. */
function at(path: Array<string | number>): string {
  const node = shop.getIn(path, true);
  if (!isNode(node) || !node.range) throw new Error(`nothing at ${path.join('.')}`);
  const { line, col } = lines.linePos(node.range[0]);
  return `${EXAMPLE_MESH_FILE_NAME}:${line}:${col}`;
}

function cli(args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args, '--admin-address', serve.adminUrl.replace('http://', '')], { encoding: 'utf8', timeout: 30_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function explain(args: string[]): Explanation {
  const r = cli(['explain', ...args, '--json']);
  expect(r.stderr).toBe('');
  return JSON.parse(r.stdout) as Explanation;
}

async function ready(node: string): Promise<void> {
  await eventually(
    async () => ((await adminJson(serve.adminUrl, 'GET', `/v1/proxies/${node}/ready`)).body as { ready: boolean }).ready,
    15_000,
    `${node} ready`,
  );
}

beforeAll(async () => {
  serve = await startServe(['--debounce', '20ms']);
  for (const [svc, id, ip, version] of [
    ['catalog', 'catalog-v1-a', '10.0.0.11', 'v1'],
    ['catalog', 'catalog-v2-a', '10.0.0.12', 'v2'],
    ['payments', 'payments-1', '10.0.0.21', ''],
  ] as const) {
    const r = cli(['register', svc, id, '--address', ip, '--port', '15006', ...(version ? ['--label', `version=${version}`] : [])]);
    expect(r.code, r.stderr).toBe(0);
  }
  proxies.push(envoyLike(serve.xdsAddress, { id: 'frontend-1', cluster: 'frontend' }));
  proxies.push(envoyLike(serve.xdsAddress, { id: 'catalog-sidecar-1', cluster: 'catalog' }));
  proxies.push(envoyLike(serve.xdsAddress, { id: 'payments-1', cluster: 'payments' }));
  for (const n of ['frontend-1', 'catalog-sidecar-1', 'payments-1']) await ready(n);
});
afterAll(async () => {
  if (serve && serve.child.exitCode !== null) console.error(serve.logs.slice(-20).join('\n'));
  for (const p of proxies) p.close();
  await serve?.stop();
});

describe('switchyard explain', () => {
  it('frontend → catalog: the 90/10 split, its route, destinations and subsets by line', () => {
    const e = explain(['--from', 'frontend', '--to', 'catalog', '--path', '/products']);
    expect(e.decision).toBe('routed');
    expect(e.source).toEqual({ node: 'frontend-1', service: 'frontend', kind: 'envoy' });
    expect(e.summary).toBe('routed by catalog route 2 to v1 90.0%, v2 10.0%');
    const c = serviceIndex('catalog');
    const skipped = e.steps.find((s) => s.step === 'route' && s.result === 'skipped')!;
    expect(skipped.detail).toContain('header x-canary: absent');
    expect(skipped.mesh.map((m) => m.at)).toEqual([at(['services', c, 'routes', 0, 'match'])]);
    const matched = e.steps.find((s) => s.step === 'route' && s.result === 'matched')!;
    expect(matched.mesh.map((m) => m.at)).toEqual([at(['services', c, 'routes', 1, 'match']), at(['services', c, 'routes', 1])]);
    expect(e.targets.map((t) => [t.subset, t.probability, t.endpoints.map((x) => x.address)])).toEqual([
      ['v1', 0.9, ['10.0.0.11']],
      ['v2', 0.1, ['10.0.0.12']],
    ]);
    expect(e.targets[0]!.mesh.map((m) => m.at)).toContain(at(['services', c, 'routes', 1, 'destinations', 0]));
    expect(e.targets[1]!.mesh.map((m) => m.at)).toContain(at(['services', c, 'routes', 1, 'destinations', 1]));
    expect(e.targets[0]!.policy).toEqual(expect.arrayContaining(['route timeout 2000 ms', 'retries 3 on 5xx,reset,connect-failure, 500 ms per try']));
    expect(e.steps.at(-1)).toMatchObject({ step: 'rbac', result: 'allowed' });
    expect(e.steps.at(-1)!.mesh.map((m) => m.at)).toEqual([at(['services', c, 'allow'])]);
  });

  it('frontend → catalog with x-canary: true is pinned to v2 by route 1', () => {
    const e = explain(['--from', 'frontend', '--to', 'catalog', '--header', 'x-canary=true']);
    expect(e.summary).toBe('routed by catalog route 1 to v2 100%');
    expect(e.targets[0]!.mesh.map((m) => m.at)).toContain(at(['services', serviceIndex('catalog'), 'routes', 0, 'destinations', 0]));
  });

  it("the shop's refusals each name the allow list that refuses them", () => {
    for (const [from, to] of [
      ['frontend', 'payments'],
      ['frontend', 'db'],
      ['catalog', 'orders'],
      ['catalog', 'payments'],
    ] as const) {
      const e = explain(['--from', from, '--to', to]);
      expect(e.decision, `${from} → ${to}`).toBe('refused');
      expect(e.summary).toContain(`${to} does not admit ${from}`);
      const refusal = e.steps.find((s) => s.result === 'refused')!;
      expect(
        refusal.mesh.map((m) => m.at),
        `${from} → ${to}`,
      ).toEqual([at(['services', serviceIndex(to), 'allow'])]);
      expect(e.steps.at(-1)).toMatchObject({ result: 'refused' });
    }
    // payments' RBAC is read from its own sidecar's inbound listener, as that proxy was sent it.
    const e = explain(['--from', 'frontend', '--to', 'payments']);
    const rbac = e.steps.find((s) => s.step === 'rbac')!;
    expect(rbac.detail).toContain("payments-1's inbound|15006");
    expect(rbac.detail).toContain('no ALLOW policy names spiffe://switchyard.local/svc/frontend (it names spiffe://switchyard.local/svc/orders)');
    // The human form prints each step with its line.
    const text = cli(['explain', '--from', 'frontend', '--to', 'payments']);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('REFUSED: refused at the source: payments does not admit frontend');
    expect(text.stdout).toContain(`${at(['services', serviceIndex('payments'), 'allow'])}  payments allow [orders]`);
  });

  it('names what it cannot explain', () => {
    const r = cli(['explain', '--from', 'orders', '--to', 'payments']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('no proxy of service "orders" is connected');
    const u = cli(['explain', '--from', 'frontend']);
    expect(u.code).toBe(2);
  });

  it('explain --nack traces a NACK to the refused clusters and their mesh lines', async () => {
    const orders = envoyLike(serve.xdsAddress, { id: 'orders-1', cluster: 'orders' }, { nackTypes: [TypeUrl.Cluster] });
    proxies.push(orders);
    // A failed fetch (a kept-alive socket the server closed meanwhile) is just another "not yet".
    await eventually(
      async () => JSON.stringify((await adminJson(serve.adminUrl, 'GET', '/v1/proxies/orders-1/ready').catch(() => ({ body: '' }))).body).includes('NACKed'),
      10_000,
      'orders-1 NACK',
    );
    const r = cli(['explain', '--nack', 'orders-1', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const body = JSON.parse(r.stdout) as {
      nacks: Array<{ type: string; message: string; resources: Array<{ name: string; namedInMessage: boolean; mesh: Array<{ at: string; what: string }> }> }>;
    };
    expect(body.nacks).toHaveLength(1);
    const nack = body.nacks[0]!;
    expect(nack.type).toBe('CDS');
    expect(nack.message).toContain('rejected by the test');
    const payments = nack.resources.find((x) => x.name === 'payments')!;
    expect(payments.namedInMessage).toBe(true);
    const p = serviceIndex('payments');
    expect(payments.mesh.map((m) => m.at)).toEqual([at(['services', p, 'name']), at(['services', p, 'trafficPolicy'])]);
    const text = cli(['explain', '--nack', 'orders-1']);
    expect(text.stdout).toContain('orders-1 NACKed CDS version');
    expect(text.stdout).toContain(`${at(['services', p, 'trafficPolicy'])}  payments trafficPolicy`);
  });
});
