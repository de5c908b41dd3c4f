// The web console in a real headless Chromium (Debian's, driven by playwright-core) against a real
// `switchyard serve` of the shop: sign in with a read-only ACL token, see the shop's graph (allow
// edges, and the refused calls of a selected service), watch a registration and a NACK arrive
// live (server-sent events, no reload), and visit every page. A screenshot of each page is written
// to test-results/console/ (the README shows copies from docs/console/).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TypeUrl } from '../../src/proto/type-urls';
import { envoyLike, type EnvoyLike } from '../support/envoy-like';
import { REPO_ROOT, adminJson, startServe, tempDir, type ServeProcess } from '../support/serve-process';

const SHOTS = path.join(REPO_ROOT, 'test-results', 'console');
let serve: ServeProcess;
let browser: BrowserContext;
let page: Page;
let viewer: string;
const proxies: EnvoyLike[] = [];
const foreignRequests: string[] = [];

async function register(service: string, id: string, address: string, labels: Record<string, string> = {}): Promise<void> {
  const r = await adminJson(serve.adminUrl, 'PUT', `/v1/services/${service}/instances/${id}`, { address, port: 15006, labels });
  expect(r.status).toBe(200);
}

async function shot(name: string): Promise<void> {
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
}

beforeAll(async () => {
  fs.mkdirSync(SHOTS, { recursive: true });
  serve = await startServe(['--debounce', '20ms']);
  viewer = ((await adminJson(serve.adminUrl, 'POST', '/v1/acl/tokens', { name: 'viewer', rules: ['read'] })).body as { secret: string }).secret;
  await register('catalog', 'catalog-v1-a', '10.0.0.11', { version: 'v1' });
  await register('frontend', 'frontend-1', '10.0.0.2');
  await register('payments', 'payments-1', '10.0.0.21');
  proxies.push(envoyLike(serve.xdsAddress, { id: 'frontend-1', cluster: 'frontend' }));
  proxies.push(envoyLike(serve.xdsAddress, { id: 'catalog-v1-a', cluster: 'catalog' }));
  // A fresh profile each run (playwright passes it as --user-data-dir); the network here is closed,
  // so everything Chromium would fetch in the background is switched off.
  browser = await chromium.launchPersistentContext(tempDir('switchyard-chromium-'), {
    executablePath: '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    viewport: { width: 1400, height: 900 },
  });
  page = browser.pages()[0] ?? (await browser.newPage());
  page.on('request', (r) => {
    if (!r.url().startsWith(serve.adminUrl)) foreignRequests.push(r.url());
  });
});
afterAll(async () => {
  await browser?.close();
  for (const p of proxies) p.close();
  await serve?.stop();
});

describe('the web console', () => {
  it('is served at /ui without a token, while its data needs one', async () => {
    const html = await fetch(`${serve.adminUrl}/ui/`);
    expect(html.status).toBe(200);
    expect(html.headers.get('content-security-policy')).toContain("connect-src 'self'");
    expect((await fetch(`${serve.adminUrl}/v1/console/graph`)).status).toBe(401);
  });

  it('signs in with a read-only token and draws the shop: allow edges and the refused calls of a selection', async () => {
    await page.goto(`${serve.adminUrl}/ui/`);
    await page.fill('input[name=token]', 'not-a-real-token-at-all');
    await page.click('button[type=submit]');
    await page.waitForSelector('text=the ACL token is not valid');
    await shot('sign-in');
    await page.fill('input[name=token]', viewer);
    await page.click('button[type=submit]');
    await page.waitForSelector('[data-testid=graph] g[data-service=frontend]');
    await page.waitForSelector('[data-testid=live]:has-text("live")');
    const services = await page.$$eval('[data-testid=graph] g[data-service]', (gs) => gs.map((g) => g.getAttribute('data-service')).sort());
    expect(services).toEqual(['catalog', 'db', 'frontend', 'orders', 'payment-provider', 'payments']);
    const edges = await page.$$eval('[data-testid=graph] path[data-edge]', (ps) => ps.map((p) => p.getAttribute('data-edge')).sort());
    expect(edges).toEqual(['catalog->db', 'frontend->catalog', 'frontend->orders', 'orders->db', 'orders->payments', 'payments->payment-provider']);
    // frontend's sidecar is synced: its node says so.
    await page.waitForSelector('g[data-service=frontend].synced');
    await page.click('g[data-service=frontend]');
    const refused = await page.$$eval('path[data-refused]', (ps) => ps.map((p) => p.getAttribute('data-refused')).sort());
    expect(refused).toEqual(['frontend->db', 'frontend->payment-provider', 'frontend->payments']);
    await shot('graph');
  });

  it('reflects a registration live', async () => {
    await page.click('g[data-service=frontend]'); // deselect
    expect(await page.textContent('g[data-service=catalog] .sub')).toContain('1/1 healthy');
    await register('catalog', 'catalog-v2-a', '10.0.0.12', { version: 'v2' });
    await page.waitForSelector('g[data-service=catalog] .sub:has-text("2/2 healthy")', { timeout: 10_000 });
  });

  it('reflects a NACK live, on the graph and the proxies page, traced to the mesh file', async () => {
    proxies.push(envoyLike(serve.xdsAddress, { id: 'orders-1', cluster: 'orders' }, { nackTypes: [TypeUrl.Cluster] }));
    await page.waitForSelector('g[data-service=orders].nacking', { timeout: 10_000 });
    await page.goto(`${serve.adminUrl}/ui/#/proxies/orders-1`);
    await page.waitForSelector('tr[data-node=orders-1] td.state.NACKED');
    await page.waitForSelector('[data-testid=nack]:has-text("payments trafficPolicy")');
    expect(await page.textContent('tr[data-node=frontend-1]')).toContain('SYNCED');
    await shot('proxies');
  });

  it('shows a service page with instances, routes, policies and the resources a proxy holds', async () => {
    await page.goto(`${serve.adminUrl}/ui/#/services/catalog`);
    await page.waitForSelector('[data-testid=instances] tr:has-text("catalog-v2-a")');
    expect(await page.textContent('[data-testid=service-page]')).toContain('v1 90%, v2 10%');
    await shot('service-catalog');
    await page.goto(`${serve.adminUrl}/ui/#/services/frontend`);
    await page.click('button:has-text("frontend-1")');
    await page.waitForSelector('[data-testid=resources] summary:has-text("outbound|15001")');
    await shot('service-frontend-resources');
    await page.goto(`${serve.adminUrl}/ui/#/services`);
    await page.waitForSelector('[data-testid=services] a:has-text("payments")');
    await shot('services');
  });

  it('shows certificates, history with a diff, and explain as a form', async () => {
    await page.goto(`${serve.adminUrl}/ui/#/certificates`);
    await page.waitForSelector('[data-testid=certificates]:has-text("active root")');
    await shot('certificates');

    await page.goto(`${serve.adminUrl}/ui/#/history`);
    await page.waitForSelector('[data-testid=history] td:has-text("serve started with")');
    expect(await page.textContent('[data-testid=history]')).toContain('PUT /v1/services/catalog/instances/catalog-v2-a');
    const boxes = await page.$$('[data-testid=history] input[type=checkbox]');
    await boxes[0]!.click();
    await boxes.at(-1)!.click();
    await page.waitForSelector('[data-testid=diff]:has-text("the same mesh")');
    await shot('history');

    await page.goto(`${serve.adminUrl}/ui/#/explain`);
    await page.selectOption('select[name=from]', 'frontend');
    await page.selectOption('select[name=to]', 'payments');
    await page.click('[data-testid=explain-form] button[type=submit]');
    await page.waitForSelector('[data-testid=explanation]:has-text("REFUSED")');
    expect(await page.textContent('[data-testid=explanation]')).toContain('payments allow [orders]');
    await shot('explain');
    expect(foreignRequests).toEqual([]);
  });

  it('ends open event streams when serve stops, without delaying it', async () => {
    await browser.close();
    const events = await fetch(`${serve.adminUrl}/v1/events`, { headers: { authorization: `Bearer ${viewer}` } });
    expect(events.headers.get('content-type')).toContain('text/event-stream');
    const reader = events.body!.getReader();
    expect(new TextDecoder().decode((await reader.read()).value)).toContain('event: hello');
    const started = Date.now();
    const stopped = serve.stop();
    // The stream is ended by the server as it closes (not cut when the process exits).
    for (;;) if ((await reader.read()).done) break;
    expect(Date.now() - started).toBeLessThan(1500);
    expect(await stopped).toBe(0);
  });
});
