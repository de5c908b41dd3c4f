// The compose-mode app (src/demo/http-app.ts) as real processes. No Envoy runs here, so a small
// stand-in plays the one part of the sidecar the app depends on: outbound|15001 routing by Host,
// answering 404 for a service it was not given (as Envoy's outbound listener does for a service
// the proxy may not call). What this checks is the app's side of the contract: it calls through
// the sidecar with Host and x-canary, reads the db over the tcp port, and passes refusals on.
import { spawn, type ChildProcess } from 'node:child_process';
import * as http from 'node:http';
import * as path from 'node:path';
import * as readline from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../src/demo/child-processes';
import { REPO_ROOT } from '../support/serve-process';

const APP = path.join(REPO_ROOT, 'dist/demo/http-app.js');
const children: ChildProcess[] = [];
const seenBySidecar: Array<{ host?: string; canary?: string; path?: string; traceparent?: string }> = [];
const seenTraceHeaders: Array<Record<string, string | undefined>> = [];
let sidecar: http.Server;
let frontendPort: number;

function startApp(env: Record<string, string>): Promise<void> {
  const child = spawn(process.execPath, [APP], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  return new Promise((resolve, reject) => {
    readline.createInterface({ input: child.stdout! }).on('line', (l) => l.includes('"serving"') && resolve());
    child.on('exit', (code) => reject(new Error(`${env.DEMO_SERVICE} exited with ${code}`)));
  });
}

function get(port: number, pathname: string, headers: Record<string, string> = {}): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path: pathname, headers }, (res) => {
        let text = '';
        res.on('data', (d) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode!, body: JSON.parse(text) }));
      })
      .on('error', reject);
  });
}

beforeAll(async () => {
  const [dbPort, catalogPort, sidecarPort] = [await freePort(), await freePort(), await freePort()];
  frontendPort = await freePort();
  await startApp({ DEMO_SERVICE: 'db', DEMO_INSTANCE: 'db-1', DEMO_PORT: String(dbPort) });
  await startApp({ DEMO_SERVICE: 'catalog', DEMO_INSTANCE: 'catalog-v2', DEMO_VERSION: 'v2', DEMO_PORT: String(catalogPort), DEMO_DB_PORT: String(dbPort) });
  // The stand-in outbound listener: frontend's sidecar knows catalog only.
  sidecar = http.createServer((req, res) => {
    seenTraceHeaders.push({ tracestate: req.headers.tracestate as string | undefined, 'x-request-id': req.headers['x-request-id'] as string | undefined });
    seenBySidecar.push({
      host: req.headers.host,
      canary: req.headers['x-canary'] as string | undefined,
      path: req.url,
      traceparent: req.headers.traceparent as string | undefined,
    });
    if (req.headers.host !== 'catalog') {
      res.writeHead(404).end();
      return;
    }
    // As catalog's inbound sidecar does under mTLS (SANITIZE_SET): the caller's certificate, by its URI SAN.
    const xfcc = 'By=spiffe://switchyard.local/svc/catalog;Hash=abc123;URI=spiffe://switchyard.local/svc/frontend';
    const headers = { ...req.headers, 'x-forwarded-client-cert': xfcc };
    const upstream = http.request({ host: '127.0.0.1', port: catalogPort, path: req.url, headers }, (up) => {
      res.writeHead(up.statusCode!, up.headers);
      up.pipe(res);
    });
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => sidecar.listen(sidecarPort, '127.0.0.1', resolve));
  await startApp({ DEMO_SERVICE: 'frontend', DEMO_INSTANCE: 'frontend-1', DEMO_PORT: String(frontendPort), DEMO_OUTBOUND_PORT: String(sidecarPort) });
});

afterAll(() => {
  for (const c of children) c.kill('SIGTERM');
  sidecar?.close();
});

describe('the compose-mode demo app', () => {
  it('frontend calls catalog through its sidecar by Host, passing x-canary on; catalog reads the db over its tcp port', async () => {
    const reply = await get(frontendPort, '/', { 'x-canary': 'true' });
    expect(seenBySidecar.at(-1)).toEqual({ host: 'catalog', canary: 'true', path: '/' });
    expect(reply).toEqual({
      status: 200,
      body: {
        service: 'frontend',
        instance: 'frontend-1',
        next: {
          status: 200,
          // catalog reports the caller its sidecar vouched for in x-forwarded-client-cert.
          body: {
            service: 'catalog',
            version: 'v2',
            instance: 'catalog-v2',
            caller: 'spiffe://switchyard.local/svc/frontend',
            db: JSON.stringify({ service: 'db', instance: 'db-1' }),
          },
        },
      },
    });
  });

  it('passes the trace context on (traceparent, tracestate, x-request-id), so a trace the gateway started continues', async () => {
    const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    await get(frontendPort, '/', { traceparent, tracestate: 'a=b', 'x-request-id': 'req-1' });
    expect(seenBySidecar.at(-1)).toMatchObject({ host: 'catalog', path: '/', traceparent });
    expect(seenTraceHeaders.at(-1)).toEqual({ tracestate: 'a=b', 'x-request-id': 'req-1' });
  });

  it("passes a refusal on as 502: frontend → payments, which frontend's sidecar has no route for", async () => {
    const reply = await get(frontendPort, '/payments');
    expect(seenBySidecar.at(-1)).toMatchObject({ host: 'payments', path: '/' });
    expect(reply.status).toBe(502);
    expect(reply.body).toMatchObject({ service: 'frontend', next: { status: 404 } });
  });
});
