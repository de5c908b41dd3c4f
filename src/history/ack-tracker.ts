// Which proxies have ACKed the current mesh version: every second, each connected node that is
// fully synced (src/xds/readiness.ts) on a snapshot built after the version took effect is
// added to it. A mesh change that leaves a group's resources as they were builds no new snapshot
// for it, so past the debounce window (and a margin for translation) a synced proxy counts too.
import type { XdsServer } from '../xds';
import type { HistoryWriter } from './etcd-history';
import type { HistoryStore } from './history-store';

export function trackAcks(history: HistoryStore, writer: HistoryWriter, xds: XdsServer, debounceMs: number, intervalMs = 1000): () => void {
  const sweep = () => {
    const entry = [...history.list(history.keep)].find((e) => e.kind === 'mesh');
    if (!entry) return;
    const since = Date.parse(entry.at);
    const settled = Date.now() - since > debounceMs + 2000;
    const nodes = new Set(
      xds
        .streams()
        .map((s) => s.nodeId)
        .filter((n): n is string => n !== undefined),
    );
    const acked: string[] = [];
    for (const node of nodes) {
      if (entry.ackedBy.includes(node)) continue;
      const streams = xds.streamsForNode(node);
      if (!xds.readiness(node).ready) continue;
      const fresh = streams.every((s) => (s.currentSnapshot?.changedAt ?? 0) >= since);
      if (fresh || settled) acked.push(node);
    }
    if (acked.length > 0) void writer.change((store) => store.noteAcked(acked));
  };
  const timer = setInterval(sweep, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
