// The console at a thousand services: a mesh of 50 teams × 20 services, each calling a few
// others. The graph must come up grouped by name prefix (50 groups, not 1000 boxes), a search
// must narrow it to one team and its neighbours, and both within seconds in headless Chromium.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, TEST_ADMIN_TOKEN, startServe, tempDir, type ServeProcess } from '../support/serve-process';

const SHOTS = path.join(REPO_ROOT, 'test-results', 'console');
let serve: ServeProcess;
let browser: BrowserContext;
let page: Page;

function bigMesh(): string {
  const lines = ['mesh:', '  mtls: disabled', '  defaultPolicy: deny', 'services:'];
  for (let t = 0; t < 50; t++) {
    for (let s = 0; s < 20; s++) {
      const name = `team${String(t).padStart(2, '0')}-svc${String(s).padStart(2, '0')}`;
      // Each service is called by the previous one in its team, and the first of each team by the previous team's first.
      const callers = [
        s > 0 ? `team${String(t).padStart(2, '0')}-svc${String(s - 1).padStart(2, '0')}` : t > 0 ? `team${String(t - 1).padStart(2, '0')}-svc00` : undefined,
      ].filter(Boolean);
      lines.push(`  - name: ${name}`, '    port: 8080', `    allow: [ ${callers.join(', ')} ]`);
    }
  }
  return `${lines.join('\n')}\n`;
}

beforeAll(async () => {
  fs.mkdirSync(SHOTS, { recursive: true });
  const file = path.join(tempDir(), 'big.yaml');
  fs.writeFileSync(file, bigMesh());
  serve = await startServe(['--config', file]);
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
});
afterAll(async () => {
  await browser?.close();
  await serve?.stop();
});

describe('the console at 1000 services', () => {
  it('groups the graph, and a search narrows it to one team and its neighbours', async () => {
    await page.goto(`${serve.adminUrl}/ui/`);
    await page.fill('input[name=token]', TEST_ADMIN_TOKEN);
    const started = Date.now();
    await page.click('button[type=submit]');
    await page.waitForSelector('[data-testid=graph] g.node', { timeout: 20_000 });
    const groups = await page.$$eval('[data-testid=graph] g.node', (gs) => gs.length);
    expect(groups).toBe(50);
    expect(Date.now() - started).toBeLessThan(15_000);
    await page.screenshot({ path: path.join(SHOTS, 'graph-1000-grouped.png') });
    await page.fill('.search', 'team07-');
    await page.waitForSelector('[data-testid=graph] g[data-service="team07-svc19"]');
    const shown = await page.$$eval('[data-testid=graph] g[data-service]', (gs) => gs.map((g) => g.getAttribute('data-service')!));
    // Team 7's twenty, the first of team 6 (calls team07-svc00) and of team 8 (called by it).
    expect(shown.sort()).toEqual([...Array.from({ length: 20 }, (_, i) => `team07-svc${String(i).padStart(2, '0')}`), 'team06-svc00', 'team08-svc00'].sort());
    await page.screenshot({ path: path.join(SHOTS, 'graph-1000-search.png') });
    await page.goto(`${serve.adminUrl}/ui/#/services`);
    await page.fill('.search', 'team49-svc1');
    expect(await page.$$eval('[data-testid=services] tbody tr', (rows) => rows.length)).toBe(10);
  });
});
