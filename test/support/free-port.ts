// Ports for test servers that must be chosen before they start (etcd members, Prometheus, gRPC servers).
import * as net from 'node:net';

/**
 * A port nothing listens on now, from below Linux's ephemeral range (32768 and up): a port the OS
 * hands out for outgoing connections can be taken by one between this check and etcd's bind,
 * which on a busy machine happens. startEtcd also retries with new ports if a bind loses a race.
 */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    const free = await new Promise<boolean>((resolve) => {
      const server = net.createServer();
      server.once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
    });
    if (free) return port;
  }
}
