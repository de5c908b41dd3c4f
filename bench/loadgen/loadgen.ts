// Many simulated proxies against one xDS server: opens their connections and streams, waits for
// them to sync, and sums what they saw.
import * as http2 from 'node:http2';
import { performance } from 'node:perf_hooks';
import type { NodeInfo } from './envelopes';
import { SimulatedProxy, type ProxyShape, type SimulatedProxyOptions, type StreamMode } from './simulated-proxy';

export interface LoadgenOptions {
  /** host:port of the xDS server (plaintext). */
  target: string;
  count: number;
  mode: StreamMode;
  shape: ProxyShape;
  node: (i: number) => NodeInfo;
  token?: (i: number) => string | undefined;
  listeners?: (i: number) => readonly string[];
  nack?: SimulatedProxyOptions['nack'];
  /** Streams sharing one HTTP/2 connection; 1 (the default) gives each proxy its own, as sidecars have. */
  streamsPerConnection?: number;
}

export interface LoadgenTotals {
  proxies: number;
  synced: number;
  failed: number;
  responses: number;
  acks: number;
  nacks: number;
  bytesReceived: number;
  resourcesReceived: number;
  reconnects: number;
}

// Envoy's default HTTP/2 windows are 256 MiB; a small window would make the generator, not the
// server, the bottleneck for large responses.
const WINDOW = 1 << 26;
const MAX_RECONNECTS = 8;

export class Loadgen {
  readonly proxies: SimulatedProxy[];
  private readonly sessions: http2.ClientHttp2Session[] = [];
  private readonly retrying = new Set<SimulatedProxy>();
  private closing = false;

  constructor(private readonly options: LoadgenOptions) {
    this.proxies = Array.from(
      { length: options.count },
      (_, i) =>
        new SimulatedProxy({
          node: options.node(i),
          mode: options.mode,
          shape: options.shape,
          token: options.token?.(i),
          listeners: options.listeners?.(i),
          nack: options.nack,
        }),
    );
  }

  /** Opens every connection and stream at once, like a fleet of proxies after a control-plane restart. */
  start(): void {
    const perConnection = Math.max(1, this.options.streamsPerConnection ?? 1);
    for (let first = 0; first < this.proxies.length; first += perConnection) {
      this.connect(this.proxies.slice(first, first + perConnection), 0);
    }
  }

  /**
   * One connection for `riders`. When it fails before they are synced (a server's accept queue
   * overflows when thousands connect at once), they reconnect after a jittered backoff, as
   * Envoy does; reconnects are counted, and only a connection that keeps failing is an error.
   */
  private connect(riders: SimulatedProxy[], attempt: number): void {
    const session = http2.connect(`http://${this.options.target}`, { settings: { initialWindowSize: WINDOW } });
    session.on('connect', (s: http2.ClientHttp2Session) => s.setLocalWindowSize(WINDOW));
    session.on('error', (err) => {
      const retry = riders.filter((p) => !p.synced);
      if (this.closing || retry.length === 0) return;
      if (attempt >= MAX_RECONNECTS) {
        for (const p of retry) p.error ??= err;
        return;
      }
      for (const p of retry) this.retrying.add(p);
      const delay = Math.min(5000, 100 * 2 ** attempt) * (0.5 + Math.random());
      setTimeout(() => {
        for (const p of retry) this.retrying.delete(p);
        if (!this.closing) this.connect(retry, attempt + 1);
      }, delay);
    });
    this.sessions.push(session);
    for (const proxy of riders) {
      if (attempt === 0) proxy.start(session);
      else proxy.restart(session);
    }
  }

  /** Resolves when every proxy is synced or has failed; rejects after timeoutMs naming how many are missing. */
  async waitSynced(timeoutMs: number): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    while (this.proxies.some((p) => !p.synced && (!p.error || this.retrying.has(p)))) {
      if (performance.now() > deadline) {
        const missing = this.proxies.filter((p) => !p.synced);
        throw new Error(`${missing.length} of ${this.proxies.length} proxies not synced after ${timeoutMs} ms`);
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** Resolves when `done(proxy)` holds for every proxy, polling; rejects after timeoutMs. */
  async waitFor(done: (p: SimulatedProxy, index: number) => boolean, timeoutMs: number): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const missing = this.proxies.filter((p, i) => !done(p, i));
      if (missing.length === 0) return;
      if (performance.now() > deadline) throw new Error(`${missing.length} of ${this.proxies.length} proxies not there after ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  totals(): LoadgenTotals {
    const t: LoadgenTotals = {
      proxies: this.proxies.length,
      synced: 0,
      failed: 0,
      responses: 0,
      acks: 0,
      nacks: 0,
      bytesReceived: 0,
      resourcesReceived: 0,
      reconnects: 0,
    };
    for (const p of this.proxies) {
      if (p.synced) t.synced++;
      if (p.error) t.failed++;
      t.responses += p.counters.responses;
      t.acks += p.counters.acks;
      t.nacks += p.counters.nacks;
      t.bytesReceived += p.counters.bytesReceived;
      t.resourcesReceived += p.counters.resourcesReceived;
      t.reconnects += p.reconnects;
    }
    return t;
  }

  firstError(): Error | undefined {
    return this.proxies.find((p) => p.error && !p.synced)?.error;
  }

  async close(): Promise<void> {
    this.closing = true;
    for (const p of this.proxies) p.close();
    await Promise.all(
      this.sessions.map(
        (s) =>
          new Promise<void>((resolve) => {
            if (s.closed || s.destroyed) return resolve();
            s.close(() => resolve());
            setTimeout(() => {
              s.destroy();
              resolve();
            }, 2000).unref();
          }),
      ),
    );
  }
}

/** The p-th percentile (0–100) by nearest rank. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}
