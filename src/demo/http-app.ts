// A compose-mode shop app (compose/docker-compose.yml): plain HTTP behind an Envoy sidecar that
// shares its network namespace. The sidecar does the mesh's work (mTLS, RBAC, the 90/10 split,
// the canary route, payments' circuit breaker); the app only answers and calls onward, always
// through its sidecar as the translator wires it (README "How sidecars are wired"):
// - inbound: Envoy's inbound|15006 forwards to the app at 127.0.0.1:<service port>, so the app
//   listens on loopback only and is unreachable except through its sidecar;
// - outbound http: Envoy's outbound|15001 on 127.0.0.1 routes by Host, so a call to catalog is
//   GET http://127.0.0.1:15001/ with Host: catalog (there is no iptables interception in compose);
// - outbound tcp: the db (tcp, port 5432) is 127.0.0.1:5432 in the caller's namespace.
// The ingress gateway also listens on 0.0.0.0:<DEMO_PUBLIC_PORT>, the one port published to the host.
//
// Environment: DEMO_SERVICE (gateway | frontend | catalog | orders | payments | db), DEMO_INSTANCE,
// DEMO_VERSION, DEMO_PORT (default 8080, db 5432), DEMO_PUBLIC_PORT (gateway, default 8000),
// DEMO_DELAY_MS, and (for tests outside a sidecar's namespace) DEMO_OUTBOUND_PORT (15001) and
// DEMO_DB_PORT (5432). Uses only Node's standard library: the image needs no devDependencies for it.
import * as http from 'node:http';
import * as net from 'node:net';
import { intEnv, requiredEnv, roleEnv, runMain, type ServiceRole } from './app-env';

/** Where the sidecar's outbound listeners are (translate: outbound|15001, and a tcp service's own port). */
interface SidecarPorts {
  readonly outbound: number;
  readonly db: number;
}

interface Hop {
  readonly status: number;
  readonly body: unknown;
}

interface HttpReply {
  readonly service: ServiceRole;
  readonly version?: string;
  readonly instance: string;
  /** What the next hop answered, as this app's sidecar delivered it. */
  readonly next?: Hop;
  /** catalog and orders read from the db over the tcp mesh port. */
  readonly db?: string;
  /**
   * Who called, as this app's sidecar vouched: the SPIFFE ID from the x-forwarded-client-cert
   * header the inbound side sets from the caller's mTLS certificate (absent without mTLS).
   */
  readonly caller?: string;
  /**
   * payments calls the external payment provider through its sidecar (which opens TLS to it). The
   * shop's provider host is a placeholder, so its failure is reported here but fails no payment.
   */
  readonly provider?: Hop;
}

/** The URI (SPIFFE ID) of the nearest caller in an x-forwarded-client-cert header; Envoy quotes values holding separators. */
function callerFromXfcc(header: string | string[] | undefined): string | undefined {
  const value = Array.isArray(header) ? header.at(-1) : header;
  if (!value) return undefined;
  // Elements are comma-separated, one per hop; with SANITIZE_SET the sidecar sets exactly one.
  const element = value.split(',').at(-1) ?? '';
  const uri = /(?:^|;)URI=("([^"]*)"|[^;]*)/.exec(element);
  return uri ? (uri[2] ?? uri[1]) : undefined;
}

/** Which service this role calls for a path, and with what path; undefined: answer locally. */
function nextHop(role: ServiceRole, pathname: string): { service: string; path: string } | undefined {
  if (role === 'gateway') return { service: 'frontend', path: pathname };
  if (role === 'frontend') {
    if (pathname === '/checkout') return { service: 'orders', path: '/checkout' };
    // Refused by the mesh: frontend's sidecar is never sent a route to payments (404 from Envoy).
    if (pathname === '/payments') return { service: 'payments', path: '/' };
    return { service: 'catalog', path: '/' };
  }
  if (role === 'orders' && pathname === '/checkout') return { service: 'payments', path: '/' };
  return undefined;
}

/**
 * Headers copied from the request being served onto the calls it makes: the canary pin, and the
 * trace context (W3C traceparent/tracestate, Envoy's x-request-id) so the trace the gateway
 * started continues through every sidecar on the way.
 */
const PROPAGATED_HEADERS = ['x-canary', 'traceparent', 'tracestate', 'x-request-id'] as const;

function callThroughSidecar(ports: SidecarPorts, service: string, pathname: string, forwarded: Readonly<Record<string, string>>): Promise<Hop> {
  return new Promise((resolve) => {
    const req = http.request({ host: '127.0.0.1', port: ports.outbound, path: pathname, headers: { ...forwarded, host: service }, timeout: 5_000 }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => {
        let body: unknown = text;
        try {
          body = JSON.parse(text);
        } catch {
          // Envoy's own answers (404 no route, 503 overflow) are plain text.
        }
        resolve({ status: res.statusCode ?? 0, body });
      });
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', (err) => resolve({ status: 0, body: `${service}: ${err.message}` }));
    req.end();
  });
}

function readDb(ports: SidecarPorts): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect(ports.db, '127.0.0.1');
    let text = '';
    socket.setEncoding('utf8');
    socket.setTimeout(3_000, () => socket.destroy(new Error('timed out')));
    socket.on('data', (d: string) => (text += d));
    socket.on('end', () => resolve(text.trim()));
    socket.on('error', (err) => resolve(`db: ${err.message}`));
  });
}

async function main(): Promise<void> {
  const env = process.env;
  const role = roleEnv(env);
  const instance = requiredEnv(env, 'DEMO_INSTANCE', "this instance's id");
  const version = env.DEMO_VERSION || undefined;
  const port = intEnv(env, 'DEMO_PORT', role === 'db' ? 5432 : 8080, 1, 65535);
  const delayMs = intEnv(env, 'DEMO_DELAY_MS', 0, 0, 60_000);
  const ports: SidecarPorts = { outbound: intEnv(env, 'DEMO_OUTBOUND_PORT', 15001, 1, 65535), db: intEnv(env, 'DEMO_DB_PORT', 5432, 1, 65535) };

  if (role === 'db') {
    const server = net.createServer((socket) => socket.end(`${JSON.stringify({ service: 'db', instance })}\n`));
    server.listen(port, '127.0.0.1', () => console.log(JSON.stringify({ serving: `127.0.0.1:${port}`, service: role, instance })));
    process.once('SIGTERM', () => server.close(() => process.exit(0)));
    return;
  }

  const handler = async (req: http.IncomingMessage, res: http.ServerResponse) => {
    const pathname = new URL(req.url ?? '/', 'http://app').pathname;
    const forwarded: Record<string, string> = {};
    for (const name of PROPAGATED_HEADERS) {
      const value = req.headers[name];
      if (typeof value === 'string') forwarded[name] = value;
    }
    const hop = nextHop(role, pathname);
    const [next, db, provider] = await Promise.all([
      hop ? callThroughSidecar(ports, hop.service, hop.path, forwarded) : undefined,
      role === 'catalog' || role === 'orders' ? readDb(ports) : undefined,
      role === 'payments' ? callThroughSidecar(ports, 'payment-provider', '/charges', forwarded) : undefined,
    ]);
    const caller = callerFromXfcc(req.headers['x-forwarded-client-cert']);
    const reply: HttpReply = {
      service: role,
      ...(version && { version }),
      instance,
      ...(caller && { caller }),
      ...(next && { next }),
      ...(db && { db }),
      ...(provider && { provider }),
    };
    // A failed hop is passed on as a bad gateway, so curl -f and Prometheus see it too.
    const status = next && (next.status < 200 || next.status >= 300) ? 502 : 200;
    setTimeout(() => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(`${JSON.stringify(reply)}\n`);
    }, delayMs);
  };
  const server = http.createServer((req, res) => void handler(req, res));
  // The gateway is the ingress: it alone listens beyond loopback.
  const host = role === 'gateway' ? '0.0.0.0' : '127.0.0.1';
  const listenPort = role === 'gateway' ? intEnv(env, 'DEMO_PUBLIC_PORT', 8000, 1, 65535) : port;
  server.listen(listenPort, host, () => console.log(JSON.stringify({ serving: `${host}:${listenPort}`, service: role, instance })));
  process.once('SIGTERM', () => server.close(() => process.exit(0)));
}

runMain(main);
