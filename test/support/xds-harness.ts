import { SnapshotCache } from '../../src/xds/snapshot-cache';
import { XdsServer } from '../../src/xds/server';
import type { RejectReason, StreamInfo, XdsObserver } from '../../src/xds/observer';

/** Records what the server reported, for assertions. */
export class RecordingObserver implements XdsObserver {
  opened: StreamInfo[] = [];
  closed: StreamInfo[] = [];
  acks: Array<{ typeUrl: string; version: string; convergenceMs?: number }> = [];
  nacks: Array<{ typeUrl: string; version: string; message: string }> = [];
  rejected: Array<{ reason: RejectReason; detail: string }> = [];
  sent: Array<{ typeUrl: string; version: string; resources: number; removed: number }> = [];
  streamOpened(info: StreamInfo): void {
    this.opened.push(info);
  }
  streamClosed(info: StreamInfo): void {
    this.closed.push(info);
  }
  ackReceived(_i: StreamInfo, typeUrl: string, version: string, convergenceMs?: number): void {
    this.acks.push({ typeUrl, version, convergenceMs });
  }
  nackReceived(_i: StreamInfo, typeUrl: string, version: string, message: string): void {
    this.nacks.push({ typeUrl, version, message });
  }
  requestRejected(_i: StreamInfo | undefined, reason: RejectReason, detail: string): void {
    this.rejected.push({ reason, detail });
  }
  responseSent(_i: StreamInfo, typeUrl: string, version: string, _bytes: number, resources: number, removed: number): void {
    this.sent.push({ typeUrl, version, resources, removed });
  }
}

export interface Harness {
  cache: SnapshotCache;
  server: XdsServer;
  observer: RecordingObserver;
  address: string;
  stop(): Promise<void>;
}

/** An xDS server on a loopback port where every node is in group `node.cluster`. */
export async function startHarness(): Promise<Harness> {
  const cache = new SnapshotCache();
  const observer = new RecordingObserver();
  const server = new XdsServer({ cache, observer, resolveGroup: (node) => ({ group: node.cluster || 'default' }) });
  const port = await server.listen('127.0.0.1:0');
  return { cache, server, observer, address: `127.0.0.1:${port}`, stop: () => server.shutdown(1000) };
}

export async function eventually(check: () => boolean | Promise<boolean>, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`timed out waiting for ${what}`);
}
