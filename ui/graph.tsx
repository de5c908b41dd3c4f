// The live graph of who may call whom: services as nodes (instances, health, their proxies'
// sync state), allow edges, and for a selected service the calls the policy refuses it. Laid out
// with dagre. At a thousand services it stays usable: search narrows to matches and their
// neighbours, and past a threshold services are grouped by name prefix (click a group to open it).
import dagre from '@dagrejs/dagre';
import { useMemo, useState } from 'preact/hooks';
import { mayCall, type Graph, type ServiceNode } from './types';

const GROUP_ABOVE = 120;
const NODE_H = 46;

interface Box {
  id: string;
  label: string;
  sub: string;
  state: 'synced' | 'stale' | 'nacking' | 'none';
  group?: string[];
  x: number;
  y: number;
  w: number;
}

function prefixOf(name: string): string {
  const i = name.search(/[-.]/);
  return i > 0 ? name.slice(0, i) : name;
}

function stateOf(s: ServiceNode): Box['state'] {
  if (s.proxies.nacking > 0) return 'nacking';
  if (s.proxies.stale > 0) return 'stale';
  return s.proxies.synced > 0 ? 'synced' : 'none';
}

function summary(s: ServiceNode): string {
  const p = s.proxies;
  const proxies = p.synced + p.stale + p.nacking;
  const parts = [`${s.healthy}/${s.instances.length} healthy`];
  if (proxies > 0) parts.push(`${proxies} prox${proxies === 1 ? 'y' : 'ies'}${p.nacking ? ` · ${p.nacking} NACKing` : p.stale ? ` · ${p.stale} stale` : ' synced'}`);
  return parts.join(' · ');
}

export function GraphView(props: { graph: Graph; onOpen: (service: string) => void }) {
  const { graph } = props;
  const [search, setSearch] = useState('');
  const [selected, setSelected] = useState<string | null>(null);
  const [showRefused, setShowRefused] = useState(true);
  const [grouping, setGrouping] = useState(true);

  const layout = useMemo(() => {
    const q = search.trim().toLowerCase();
    let names = graph.services.map((s) => s.name);
    if (q) {
      const matches = new Set(names.filter((n) => n.toLowerCase().includes(q)));
      // Matches and their direct neighbours (one hop only), so a search shows who a service talks to.
      const hits = new Set(matches);
      for (const e of graph.edges) {
        if (matches.has(e.from) || matches.has(e.to)) {
          hits.add(e.from);
          hits.add(e.to);
        }
      }
      names = names.filter((n) => hits.has(n));
    }
    const byName = new Map(graph.services.map((s) => [s.name, s]));
    const grouped = grouping && names.length > GROUP_ABOVE;
    const keyOf = (n: string) => (grouped ? `group:${prefixOf(n)}` : n);
    const boxes = new Map<string, Omit<Box, 'x' | 'y'>>();
    for (const n of names) {
      const key = keyOf(n);
      const s = byName.get(n)!;
      if (!grouped) {
        const sub = summary(s);
        boxes.set(key, { id: key, label: n, sub, state: stateOf(s), w: Math.max(130, n.length * 8.5 + 24, sub.length * 6.2 + 20) });
        continue;
      }
      const existing = boxes.get(key);
      const members = [...(existing?.group ?? []), n];
      const worst = members.map((m) => stateOf(byName.get(m)!));
      const state = worst.includes('nacking') ? 'nacking' : worst.includes('stale') ? 'stale' : worst.includes('synced') ? 'synced' : 'none';
      boxes.set(key, { id: key, label: `${prefixOf(n)}-* (${members.length})`, sub: 'group: click to open', state, group: members, w: 170 });
    }
    const visible = new Set(names);
    const edgeKeys = new Map<string, { from: string; to: string; implicit?: boolean }>();
    for (const e of graph.edges) {
      if (!visible.has(e.from) || !visible.has(e.to)) continue;
      const from = keyOf(e.from);
      const to = keyOf(e.to);
      const key = `${from}\0${to}`;
      // Between groups, one explicit allow makes the edge explicit.
      const implicit = e.implicit === true && (edgeKeys.get(key)?.implicit ?? true);
      if (from !== to || !grouped) edgeKeys.set(key, { from, to, implicit });
    }
    const g = new dagre.graphlib.Graph();
    g.setGraph({ rankdir: 'LR', nodesep: 18, ranksep: 70, marginx: 20, marginy: 20 });
    g.setDefaultEdgeLabel(() => ({}));
    for (const b of boxes.values()) g.setNode(b.id, { width: b.w, height: NODE_H });
    for (const e of edgeKeys.values()) if (e.from !== e.to) g.setEdge(e.from, e.to);
    dagre.layout(g);
    const placed = new Map<string, Box>();
    for (const b of boxes.values()) {
      const n = g.node(b.id);
      placed.set(b.id, { ...b, x: n.x, y: n.y });
    }
    const edges = g.edges().map((e) => ({ from: e.v, to: e.w, implicit: edgeKeys.get(`${e.v}\0${e.w}`)?.implicit === true, points: g.edge(e).points ?? [] }));
    const size = g.graph();
    return { boxes: placed, edges, width: (size.width ?? 400) + 40, height: (size.height ?? 300) + 40, grouped, shown: names.length };
  }, [graph, search, grouping]);

  const selectedService = selected ? graph.services.find((s) => s.name === selected) : undefined;
  // What the policy refuses the selected service: every service it may not call (defaultPolicy
  // deny, or an allow list that leaves it out), drawn dashed to each one that is on screen.
  const refused =
    showRefused && selectedService && !layout.grouped
      ? graph.services.filter((t) => t.name !== selectedService.name && !mayCall(graph, selectedService.name, t) && layout.boxes.has(t.name)).map((t) => t.name)
      : [];
  const open = graph.services.filter((s) => s.allow === null && graph.mesh.defaultPolicy === 'allow').map((s) => s.name);

  return (
    <div class="graph-page">
      <div class="toolbar">
        <input class="search" placeholder="search services (shows neighbours too)" value={search} onInput={(e) => setSearch((e.target as HTMLInputElement).value)} />
        <label><input type="checkbox" checked={showRefused} onChange={(e) => setShowRefused((e.target as HTMLInputElement).checked)} /> refused calls of the selected service</label>
        <label><input type="checkbox" checked={grouping} onChange={(e) => setGrouping((e.target as HTMLInputElement).checked)} /> group by name prefix above {GROUP_ABOVE}</label>
        <span class="muted">{layout.shown} of {graph.services.length} services · defaultPolicy {graph.mesh.defaultPolicy} · mTLS {graph.mesh.mtls}</span>
      </div>
      {open.length > 0 && <p class="muted">No allow list, open to every caller under defaultPolicy allow: {open.join(', ')}</p>}
      <div class="legend">
        <span class="dot synced" /> proxies synced <span class="dot stale" /> stale <span class="dot nacking" /> NACKing <span class="dot none" /> no proxy
        <span class="edge-key allow" /> may call (allow list) <span class="edge-key implicit" /> may call (defaultPolicy allow) <span class="edge-key refused" /> refused by policy
      </div>
      <div class="graph-wrap">
        <svg width={layout.width} height={layout.height} class="graph" data-testid="graph">
          <defs>
            <marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" class="arrowhead" /></marker>
            <marker id="arrow-refused" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" class="arrowhead refused" /></marker>
          </defs>
          {layout.edges.map((e) => (
            <path class={`edge${e.implicit ? ' implicit' : ''}${selected && (e.from === selected || e.to === selected) ? ' hot' : ''}`} data-edge={`${e.from}->${e.to}`} d={`M ${e.points.map((p: { x: number; y: number }) => `${p.x} ${p.y}`).join(' L ')}`} marker-end="url(#arrow)" />
          ))}
          {selectedService &&
            refused.map((to) => {
              const a = layout.boxes.get(selectedService.name)!;
              const b = layout.boxes.get(to)!;
              return <path class="edge refused" data-refused={`${selectedService.name}->${to}`} d={`M ${a.x} ${a.y + NODE_H / 2} Q ${(a.x + b.x) / 2} ${Math.max(a.y, b.y) + 60} ${b.x} ${b.y + NODE_H / 2}`} marker-end="url(#arrow-refused)" />;
            })}
          {[...layout.boxes.values()].map((b) => (
            <g
              class={`node ${b.state}${selected === b.id ? ' selected' : ''}`}
              data-service={b.group ? undefined : b.id}
              transform={`translate(${b.x - b.w / 2} ${b.y - NODE_H / 2})`}
              onClick={() => (b.group ? setSearch(prefixOf(b.group[0]!)) : setSelected(selected === b.id ? null : b.id))}
              onDblClick={() => !b.group && props.onOpen(b.id)}
            >
              <rect width={b.w} height={NODE_H} rx="6" />
              <text x="10" y="18" class="label">{b.label}</text>
              <text x="10" y="35" class="sub">{b.sub}</text>
            </g>
          ))}
        </svg>
      </div>
      {selectedService && (
        <div class="detail">
          <b>{selectedService.name}</b> ({selectedService.protocol}:{selectedService.port}) — callers:{' '}
          {selectedService.allow === null ? `anyone (defaultPolicy ${graph.mesh.defaultPolicy === 'allow' ? 'allow' : 'deny: no one'})` : selectedService.allow.join(', ') || 'no one'}
          {refused.length > 0 && <> — refused to call: <span class="refused-list">{refused.join(', ')}</span></>} — <a href={`#/services/${encodeURIComponent(selectedService.name)}`}>open service page</a>
        </div>
      )}
    </div>
  );
}
