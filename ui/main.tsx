// Switchyard's web console: sign in with an ACL token (read suffices to view), then the mesh's
// graph, services, proxies, certificates, history with diffs and rollback, and explain as a form,
// all kept live over server-sent events. Served by the admin API at /ui; bundled at build time.
import { render } from 'preact';
import { useCallback, useEffect, useMemo, useState } from 'preact/hooks';
import { api, ApiError, followEvents, saveToken, savedToken } from './api';
import { GraphView } from './graph';
import { proxyState, typeState, type CaFacts, type Explanation, type Graph, type HistoryEntry, type Proxy } from './types';

const TYPES = ['CDS', 'EDS', 'LDS', 'RDS', 'SDS'];

function useHashRoute(): string[] {
  const read = () => decodeURIComponent(location.hash.replace(/^#\/?/, '')).split('/').filter(Boolean);
  const [route, setRoute] = useState(read);
  useEffect(() => {
    const on = () => setRoute(read());
    addEventListener('hashchange', on);
    return () => removeEventListener('hashchange', on);
  }, []);
  return route;
}

interface Data {
  graph?: Graph;
  proxies?: Proxy[];
  history?: HistoryEntry[];
  ca?: CaFacts;
}

function SignIn(props: { onToken: (t: string) => void; error?: string }) {
  const [value, setValue] = useState('');
  return (
    <form
      class="signin"
      onSubmit={(e) => {
        e.preventDefault();
        props.onToken(value.trim());
      }}
    >
      <h1>Switchyard</h1>
      <p>Sign in with an ACL token. A token with the <code>read</code> rule is enough to view everything here; rollback needs <code>mesh:write</code>.</p>
      <input type="password" name="token" placeholder="ACL token" value={value} onInput={(e) => setValue((e.target as HTMLInputElement).value)} autoFocus />
      <button type="submit">Sign in</button>
      {props.error && <p class="error">{props.error}</p>}
    </form>
  );
}

function Resources(props: { token: string; node: string }) {
  const [body, setBody] = useState<{ streams: Array<{ service: string; protocol: string; resources: Record<string, Array<{ name: string; version: string; resource: unknown }>> }> } | string>();
  useEffect(() => {
    api<typeof body>(props.token, 'GET', `/v1/proxies/${encodeURIComponent(props.node)}/config`).then(setBody, (e: Error) => setBody(e.message));
  }, [props.node]);
  if (body === undefined) return <p class="muted">loading {props.node}…</p>;
  if (typeof body === 'string') return <p class="error">{body}</p>;
  return (
    <div class="resources" data-testid="resources">
      <h3>What {props.node} holds (as last sent)</h3>
      {body.streams.map((s) =>
        Object.entries(s.resources).map(([type, list]) => (
          <div>
            <h4>{type} ({list.length}) <span class="muted">{s.service}/{s.protocol}</span></h4>
            {list.map((r) => (
              <details>
                <summary>{r.name} <span class="muted">{r.version}</span></summary>
                <pre>{JSON.stringify(r.resource, null, 2)}</pre>
              </details>
            ))}
          </div>
        )),
      )}
    </div>
  );
}

function ServicesPage(props: { data: Data }) {
  const [q, setQ] = useState('');
  const list = (props.data.graph?.services ?? []).filter((s) => s.name.toLowerCase().includes(q.toLowerCase()));
  return (
    <div>
      <input class="search" placeholder="filter services" value={q} onInput={(e) => setQ((e.target as HTMLInputElement).value)} />
      <table data-testid="services">
        <thead><tr><th>service</th><th>protocol</th><th>instances</th><th>subsets</th><th>callers</th><th>proxies</th></tr></thead>
        <tbody>
          {list.slice(0, 500).map((s) => (
            <tr>
              <td><a href={`#/services/${encodeURIComponent(s.name)}`}>{s.name}</a></td>
              <td>{s.protocol}:{s.port}</td>
              <td>{s.healthy}/{s.instances.length} healthy</td>
              <td>{Object.keys(s.subsets).join(', ') || '-'}</td>
              <td>{s.allow === null ? `(defaultPolicy ${props.data.graph!.mesh.defaultPolicy})` : s.allow.join(', ') || 'no one'}</td>
              <td>{s.proxies.synced} synced{s.proxies.stale ? `, ${s.proxies.stale} stale` : ''}{s.proxies.nacking ? `, ${s.proxies.nacking} NACKing` : ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {list.length > 500 && <p class="muted">showing 500 of {list.length}; filter to narrow</p>}
    </div>
  );
}

function ServicePage(props: { token: string; data: Data; name: string }) {
  const s = props.data.graph?.services.find((x) => x.name === props.name);
  const proxies = (props.data.proxies ?? []).filter((p) => p.nodeCluster === props.name && p.nodeId);
  const [node, setNode] = useState<string>();
  if (!s) return <p>no service {props.name}</p>;
  const total = (r: { destinations: Array<{ weight: number }> }) => r.destinations.reduce((n, d) => n + d.weight, 0) || 1;
  return (
    <div class="service" data-testid="service-page">
      <h2>{s.name} <span class="muted">{s.protocol}:{s.port}</span></h2>
      <h3>Instances ({s.healthy}/{s.instances.length} healthy)</h3>
      <table data-testid="instances">
        <thead><tr><th>id</th><th>address</th><th>labels</th><th>health</th><th>zone</th><th>weight</th></tr></thead>
        <tbody>{s.instances.map((i) => <tr><td>{i.id}</td><td>{i.address}:{i.port}</td><td>{Object.entries(i.labels).map(([k, v]) => `${k}=${v}`).join(' ')}</td><td class={i.health}>{i.health}</td><td>{i.zone ?? '-'}</td><td>{i.weight}</td></tr>)}</tbody>
      </table>
      <h3>Subsets and routes</h3>
      <ul>{Object.entries(s.subsets).map(([k, sel]) => <li><b>{k}</b>: {Object.entries(sel).map(([a, b]) => `${a}=${b}`).join(', ')}</li>)}</ul>
      {s.routes.length === 0 ? <p class="muted">no routes: all traffic to every instance</p> : (
        <ol>{s.routes.map((r) => <li>{JSON.stringify(r.match)} → {r.destinations.map((d) => `${d.subset ?? '(all)'} ${((100 * d.weight) / total(r)).toFixed(0)}%`).join(', ')}</li>)}</ol>
      )}
      <h3>Policies</h3>
      <p>callers: {s.allow === null ? `decided by defaultPolicy ${props.data.graph!.mesh.defaultPolicy}` : s.allow.join(', ') || 'no one'}</p>
      {s.trafficPolicy !== null && <pre>{JSON.stringify(s.trafficPolicy, null, 2)}</pre>}
      <h3>Proxies of {s.name}</h3>
      {proxies.length === 0 ? <p class="muted">none connected</p> : (
        <p>{proxies.map((p) => <button class={`chip ${proxyState(p)}`} onClick={() => setNode(p.nodeId)}>{p.nodeId} ({proxyState(p)})</button>)}</p>
      )}
      {node && <Resources token={props.token} node={node} />}
    </div>
  );
}

function ProxiesPage(props: { token: string; data: Data; node?: string }) {
  const [q, setQ] = useState('');
  const [nack, setNack] = useState<string>();
  const list = (props.data.proxies ?? []).filter((p) => p.nodeId && `${p.nodeId} ${p.nodeCluster}`.includes(q));
  useEffect(() => {
    if (!props.node) return;
    api<{ nacks: Array<{ type: string; message: string; resources: Array<{ name: string; mesh: Array<{ at: string; what: string }> }> }> }>(props.token, 'GET', `/v1/explain/nack/${encodeURIComponent(props.node)}`).then(
      (b) => setNack(b.nacks.map((n) => `${n.type}: "${n.message}"\n${n.resources.map((r) => `  ${r.name}\n${r.mesh.map((m) => `      ${m.at}  ${m.what}`).join('\n')}`).join('\n')}`).join('\n') || 'no NACK'),
      (e: Error) => setNack(e.message),
    );
  }, [props.node, props.data.proxies]);
  return (
    <div>
      <input class="search" placeholder="filter by node or service" value={q} onInput={(e) => setQ((e.target as HTMLInputElement).value)} />
      <table data-testid="proxies">
        <thead><tr><th>node</th><th>service</th><th>kind</th><th>stream</th>{TYPES.map((t) => <th>{t}</th>)}<th>last NACK</th></tr></thead>
        <tbody>
          {list.map((p) => {
            const byType = new Map(p.types.map((t) => [t.type, t]));
            const last = p.types.filter((t) => t.lastNack).sort((a, b) => b.lastNack!.at - a.lastNack!.at)[0];
            return (
              <tr data-node={p.nodeId} class={proxyState(p)}>
                <td><a href={`#/proxies/${encodeURIComponent(p.nodeId!)}`}>{p.nodeId}</a></td>
                <td>{p.nodeCluster || '-'}</td><td>{p.userAgent}</td><td>{p.service}/{p.protocol}</td>
                {TYPES.map((t) => <td class={`state ${typeState(byType.get(t))}`}>{typeState(byType.get(t))}</td>)}
                <td>{last ? `${last.type}: ${last.lastNack!.message}` : '-'}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {props.node && (
        <div>
          <h3>NACKs of {props.node}, traced to the mesh file</h3>
          <pre data-testid="nack">{nack ?? '…'}</pre>
          <Resources token={props.token} node={props.node} />
        </div>
      )}
    </div>
  );
}

function CertificatesPage(props: { data: Data }) {
  const ca = props.data.ca;
  const certs = props.data.graph?.certificates ?? [];
  const left = (ms: number) => `${Math.round((ms - Date.now()) / 3_600_000)} h`;
  return (
    <div data-testid="certificates">
      {ca && (
        <table>
          <tbody>
            <tr><th>trust domain</th><td>{ca.trustDomain}</td></tr>
            <tr><th>active root</th><td>{ca.activeRoot.subject} · {ca.activeRoot.keyType} · until {ca.activeRoot.notAfter}<br /><code>{ca.activeRoot.fingerprint}</code></td></tr>
            <tr><th>previous root</th><td>{ca.previousRoot ? `${ca.previousRoot.subject} until ${ca.previousRoot.notAfter}` : 'none'}</td></tr>
            <tr><th>rotation</th><td>{ca.rotating ? 'in progress: both roots trusted until every SDS stream has ACKed its new certificate' : 'not rotating'}</td></tr>
          </tbody>
        </table>
      )}
      <h3>Workload certificates ({certs.length})</h3>
      <table>
        <thead><tr><th>service</th><th>issued</th><th>expires</th><th>left</th><th>signed by the active root</th></tr></thead>
        <tbody>{certs.map((c) => <tr><td>{c.service}</td><td>{new Date(c.notBefore).toISOString()}</td><td>{new Date(c.notAfter).toISOString()}</td><td>{left(c.notAfter)}</td><td>{ca && c.issuer === ca.activeRoot.fingerprint ? 'yes' : 'no (previous root)'}</td></tr>)}</tbody>
      </table>
    </div>
  );
}

function HistoryPage(props: { token: string; data: Data }) {
  const entries = props.data.history ?? [];
  const [pick, setPick] = useState<number[]>([]);
  const [diff, setDiff] = useState<string>();
  const [message, setMessage] = useState<string>();
  useEffect(() => {
    if (pick.length !== 2) return;
    const [a, b] = [...pick].sort((x, y) => x - y);
    api<{ diff: string; summary: string[] }>(props.token, 'GET', `/v1/history/${a}/diff/${b}`).then((d) => setDiff(`${d.summary.map((s) => `# ${s}`).join('\n')}\n${d.diff}`), (e: Error) => setDiff(e.message));
  }, [pick]);
  const rollback = (v: number) => {
    if (!confirm(`Re-apply the mesh of version ${v}?`)) return;
    api<{ note?: string }>(props.token, 'POST', `/v1/history/${v}/rollback`, {}).then((r) => setMessage(`rolled back to version ${v}${r.note ? `: ${r.note}` : ''}`), (e: Error) => setMessage(e.message));
  };
  return (
    <div>
      <p class="muted">Tick two versions to diff the mesh between them.</p>
      {message && <p class="notice">{message}</p>}
      <table data-testid="history">
        <thead><tr><th /><th>version</th><th>when</th><th>who</th><th>what</th><th>ACKed by</th><th /></tr></thead>
        <tbody>
          {entries.map((e) => (
            <tr>
              <td><input type="checkbox" checked={pick.includes(e.version)} onChange={() => setPick((p) => (p.includes(e.version) ? p.filter((x) => x !== e.version) : [...p, e.version].slice(-2)))} /></td>
              <td>{e.version}</td><td>{e.at.replace('T', ' ').slice(0, 19)}</td><td>{e.who}</td>
              <td>{e.what}{e.kind === 'mesh' && <div class="muted">{e.summary.join('; ')}</div>}</td>
              <td>{e.kind === 'mesh' ? e.ackedBy.join(', ') || '-' : ''}</td>
              <td>{e.kind === 'mesh' && <button onClick={() => rollback(e.version)}>roll back to this</button>}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {diff !== undefined && <pre class="diff" data-testid="diff">{diff.split('\n').map((l) => <div class={l.startsWith('+') ? 'add' : l.startsWith('-') ? 'del' : l.startsWith('#') ? 'note' : ''}>{l}</div>)}</pre>}
    </div>
  );
}

function ExplainPage(props: { token: string; data: Data }) {
  const services = (props.data.graph?.services ?? []).map((s) => s.name);
  const [form, setForm] = useState({ from: services[0] ?? '', to: services[1] ?? '', method: 'GET', path: '/', headers: '', node: '' });
  const [result, setResult] = useState<Explanation | string>();
  const set = (k: keyof typeof form) => (e: Event) => setForm({ ...form, [k]: (e.target as HTMLInputElement).value });
  const submit = (e: Event) => {
    e.preventDefault();
    const q = new URLSearchParams({ from: form.from, to: form.to, method: form.method, path: form.path });
    if (form.node) q.set('node', form.node);
    for (const line of form.headers.split('\n').map((l) => l.trim()).filter(Boolean)) q.append('header', line.replace(/:\s*/, '='));
    api<Explanation>(props.token, 'GET', `/v1/explain?${q}`).then(setResult, (err: Error) => setResult(err.message));
  };
  return (
    <div>
      <form class="explain" onSubmit={submit} data-testid="explain-form">
        <label>from <select name="from" value={form.from} onChange={set('from')}>{services.map((s) => <option>{s}</option>)}</select></label>
        <label>to <select name="to" value={form.to} onChange={set('to')}>{services.map((s) => <option>{s}</option>)}</select></label>
        <label>method <input name="method" value={form.method} onInput={set('method')} size={6} /></label>
        <label>path <input name="path" value={form.path} onInput={set('path')} /></label>
        <label>headers <textarea name="headers" placeholder="x-canary=true" value={form.headers} onInput={set('headers')} rows={2} /></label>
        <label>node <input name="node" placeholder="(any proxy of from)" value={form.node} onInput={set('node')} /></label>
        <button type="submit">Explain</button>
      </form>
      {typeof result === 'string' && <p class="error">{result}</p>}
      {typeof result === 'object' && (
        <div class="explanation" data-testid="explanation">
          <h3 class={result.decision}>{result.decision.toUpperCase()}: {result.summary}</h3>
          <p class="muted">as sent to {result.source.node} ({result.source.kind})</p>
          <ol>
            {result.steps.map((s) => (
              <li class={s.result}>
                <b>{s.step}</b> {s.resource ? <code>{s.resource.type} {s.resource.name}</code> : null} {s.detail}
                {s.mesh.map((m) => <div class="place"><code>{m.at}</code> {m.what}</div>)}
              </li>
            ))}
          </ol>
        </div>
      )}
    </div>
  );
}

function App() {
  const [token, setToken] = useState<string | null>(savedToken());
  const [error, setError] = useState<string>();
  const [data, setData] = useState<Data>({});
  const [live, setLive] = useState(false);
  const route = useHashRoute();

  const load = useCallback(
    async (kinds: string[]) => {
      if (!token) return;
      try {
        const next: Data = {};
        if (kinds.some((k) => ['services', 'proxies', 'certificates'].includes(k))) next.graph = await api<Graph>(token, 'GET', '/v1/console/graph');
        if (kinds.includes('proxies')) next.proxies = (await api<{ proxies: Proxy[] }>(token, 'GET', '/v1/proxies')).proxies;
        if (kinds.includes('history')) next.history = (await api<{ entries: HistoryEntry[] }>(token, 'GET', '/v1/history?limit=200')).entries;
        if (kinds.includes('certificates')) next.ca = await api<CaFacts>(token, 'GET', '/v1/ca');
        setData((d) => ({ ...d, ...next }));
      } catch (e) {
        if (e instanceof ApiError && e.status === 401) {
          saveToken(null);
          setToken(null);
          setError(e.message);
        }
      }
    },
    [token],
  );

  useEffect(() => {
    if (!token) return;
    void load(['services', 'proxies', 'history', 'certificates']);
    return followEvents(token, (kinds) => void load(kinds), setLive);
  }, [token]);

  const page = route[0] ?? 'graph';
  const content = useMemo(() => {
    if (!token) return null;
    if (!data.graph) return <p class="muted">loading…</p>;
    switch (page) {
      case 'services':
        return route[1] ? <ServicePage token={token} data={data} name={route[1]} /> : <ServicesPage data={data} />;
      case 'proxies':
        return <ProxiesPage token={token} data={data} node={route[1]} />;
      case 'certificates':
        return <CertificatesPage data={data} />;
      case 'history':
        return <HistoryPage token={token} data={data} />;
      case 'explain':
        return <ExplainPage token={token} data={data} />;
      default:
        return <GraphView graph={data.graph} onOpen={(s) => (location.hash = `#/services/${encodeURIComponent(s)}`)} />;
    }
  }, [token, data, page, route[1]]);

  if (!token) {
    return (
      <SignIn
        error={error}
        onToken={(t) => {
          api(t, 'GET', '/v1/console/graph').then(
            () => {
              saveToken(t);
              setError(undefined);
              setToken(t);
            },
            (e: Error) => setError(e.message),
          );
        }}
      />
    );
  }
  return (
    <div class="app">
      <header>
        <b>Switchyard</b>
        <nav>
          {['graph', 'services', 'proxies', 'certificates', 'history', 'explain'].map((p) => <a href={`#/${p}`} class={page === p ? 'active' : ''}>{p}</a>)}
        </nav>
        <span class={`live ${live ? 'on' : 'off'}`} data-testid="live">{live ? 'live' : 'reconnecting'}</span>
        <button class="link" onClick={() => { saveToken(null); setToken(null); }}>sign out</button>
      </header>
      <main>{content}</main>
    </div>
  );
}

render(<App />, document.getElementById('app')!);
