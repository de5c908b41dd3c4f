// Golden cases as data. Each case is test/translate/testdata/<suite>/<case>.in.yaml, read here
// into the MeshState and proxies the translator tests run over; <case>.out.yaml beside it is
// what the golden suites compare the rendered output with. testdata/README.md describes the
// format.
//
// A case file is two YAML documents: first what surrounds the mesh (description, registry,
// proxies, ca), then, after `---`, the mesh file itself. The mesh file goes through the real
// parser (src/config) and is merged with the registry by the real merge (src/registry/merge.ts),
// and each instance passes the registry file's own checks, so a case is read exactly as
// `switchyard serve` would read it and cannot hold what serve would refuse. Every mistake is
// reported at once, with the case file's own line and column.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isNode, LineCounter, parseDocument, type Document } from 'yaml';
import { parseExampleMesh, parseMeshFile, type MeshParseResult } from '../../../src/config';
import { formatProblem, type Instance, type MeshConfig, type MeshSecurityMaterial, type MeshState, type ProxyIdentity } from '../../../src/model';
import { mergeInstances } from '../../../src/registry/merge';
import { parsePersistedInstance, RegistryFileError, type PersistedInstance } from '../../../src/registry/registry-file';
import { DEFAULT_WEIGHT } from '../../../src/registry/validation';
import { fakeMaterial } from './fake-ca';

export const TESTDATA_DIR = path.join(__dirname, '..', 'testdata');

/** plaintext: translated without security hooks; mtls: with meshSecurity() and the case's CA material. */
export type Suite = 'plaintext' | 'mtls';

export interface GoldenCase {
  /** The file name without .in.yaml. */
  readonly name: string;
  readonly description: string;
  readonly state: MeshState;
  readonly proxies: readonly ProxyIdentity[];
  readonly inputFile: string;
  /** Where the expected output is (or, with UPDATE_GOLDEN=1, will be) written. */
  readonly outputFile: string;
}

export const INPUT_SUFFIX = '.in.yaml';
export const OUTPUT_SUFFIX = '.out.yaml';

const CASE_KEYS = ['description', 'embeddedMesh', 'ca', 'registry', 'proxies'];
// A mesh that lives in src rather than in a file is named, not copied, so its case follows it.
const EMBEDDED_MESHES: Readonly<Record<string, () => MeshParseResult>> = { shop: parseExampleMesh };

const loaded = new Map<Suite, readonly GoldenCase[]>();

/** Every case of a suite, in file-name order. */
export function loadSuite(suite: Suite): readonly GoldenCase[] {
  let cases = loaded.get(suite);
  if (!cases) {
    const dir = path.join(TESTDATA_DIR, suite);
    const files = fs
      .readdirSync(dir)
      .filter((f) => f.endsWith(INPUT_SUFFIX))
      .sort();
    cases = files.map((f) => loadCaseFile(path.join(dir, f)));
    loaded.set(suite, cases);
  }
  return cases;
}

export function goldenCase(suite: Suite, name: string): GoldenCase {
  const c = loadSuite(suite).find((x) => x.name === name);
  if (!c) throw new Error(`no case ${name} in ${path.join(TESTDATA_DIR, suite)}`);
  return c;
}

/** Reads one case file; throws with every problem in it, each as file:line:column. */
export function loadCaseFile(file: string): GoldenCase {
  const text = fs.readFileSync(file, 'utf8');
  const problems: string[] = [];

  // The mesh file starts at the first `---` line. The parser is given the case file with the
  // lines before it blanked, so its line and column numbers are the case file's own.
  const marker = /^---(?:[ \t]|$)/m.exec(text);
  const caseText = marker ? text.slice(0, marker.index) : text;
  const meshText = marker ? text.slice(0, marker.index).replace(/[^\n]/g, '') + text.slice(marker.index) : undefined;

  const reader = new CaseReader(file, caseText, problems);
  const fields = reader.fields();
  // A document that is not even a map has nothing more worth reporting.
  if (!fields) throw new Error(`${file} is not a valid golden case:\n  ${problems.join('\n  ')}`);
  const description = reader.description(fields.description);
  const proxies = reader.proxies(fields.proxies);
  const registered = reader.registry(fields.registry);

  let config: MeshConfig | undefined;
  if (fields.embeddedMesh !== undefined) {
    const parse = typeof fields.embeddedMesh === 'string' ? EMBEDDED_MESHES[fields.embeddedMesh] : undefined;
    if (!parse) reader.problem(['embeddedMesh'], `embeddedMesh must be one of ${Object.keys(EMBEDDED_MESHES).join(', ')}`);
    else if (meshText !== undefined) reader.problem(['embeddedMesh'], 'a case has either embeddedMesh or a mesh file after ---, not both');
    else config = meshConfig(parse(), problems);
  } else if (meshText === undefined) {
    reader.problem([], 'no mesh file: write it after a --- line, or name an embedded mesh with embeddedMesh');
  } else {
    config = meshConfig(parseMeshFile(meshText, file), problems);
  }
  const security = config && reader.ca(fields.ca, config);

  if (problems.length > 0 || !config || description === undefined) {
    throw new Error(`${file} is not a valid golden case:\n  ${problems.join('\n  ')}`);
  }
  const name = path.basename(file, INPUT_SUFFIX);
  return {
    name,
    description,
    // As serve builds it: the mesh file's static endpoints merged with what was registered.
    state: { version: 1, config, instances: mergeInstances(config.services, registered), changedAt: 0, ...(security && { security }) },
    proxies,
    inputFile: file,
    outputFile: path.join(path.dirname(file), `${name}${OUTPUT_SUFFIX}`),
  };
}

/** Warnings fail a case too: a case should say what it means, not what the parser had to guess. */
function meshConfig(result: MeshParseResult, problems: string[]): MeshConfig | undefined {
  problems.push(...result.problems.map(formatProblem));
  return result.problems.length === 0 ? result.config : undefined;
}

type Path = readonly (string | number)[];

/** The first document, checked as plain values; problems point into the YAML with getIn. */
class CaseReader {
  private readonly lines = new LineCounter();
  private readonly doc: Document;

  constructor(
    private readonly file: string,
    text: string,
    private readonly problems: string[],
  ) {
    this.doc = parseDocument(text, { lineCounter: this.lines, prettyErrors: false, uniqueKeys: true });
    for (const e of this.doc.errors) this.problems.push(`${this.at(e.pos[0])}: ${e.message}`);
  }

  problem(at: Path, message: string): void {
    this.problems.push(`${this.locate(at)}: ${at.length > 0 ? `${formatPath(at)}: ` : ''}${message}`);
  }

  fields(): Record<string, unknown> | undefined {
    if (this.doc.errors.length > 0) return undefined;
    const root: unknown = this.doc.toJS();
    if (!isRecord(root)) {
      this.problem([], 'the first document must be a map with description and proxies');
      return undefined;
    }
    for (const key of Object.keys(root)) {
      if (!CASE_KEYS.includes(key)) this.problem([key], `unknown key; a case has ${CASE_KEYS.join(', ')}`);
    }
    return root;
  }

  description(value: unknown): string | undefined {
    if (typeof value === 'string' && value.trim() !== '' && !value.includes('\n')) return value;
    this.problem(['description'], 'every case needs a one-line description');
    return undefined;
  }

  proxies(value: unknown): ProxyIdentity[] {
    if (!Array.isArray(value) || value.length === 0) {
      this.problem(['proxies'], 'a case needs at least one proxy whose view is rendered, e.g. - envoy: frontend');
      return [];
    }
    const proxies: ProxyIdentity[] = [];
    for (const [index, item] of (value as unknown[]).entries()) {
      const at = ['proxies', index];
      if (!isRecord(item)) {
        this.problem(at, 'expected a map such as { envoy: frontend } or { grpc: frontend }');
        continue;
      }
      const kinds = (['envoy', 'grpc', 'gateway'] as const).filter((k) => k in item);
      const unknown = Object.keys(item).filter((k) => !['envoy', 'grpc', 'gateway', 'nodeId', 'authenticated', 'zone', 'region'].includes(k));
      if (unknown.length > 0) {
        this.problem([...at, unknown[0]], 'unknown key; a proxy has envoy, grpc or gateway, nodeId, authenticated, zone and region');
        continue;
      }
      const kind = kinds[0];
      if (kinds.length !== 1 || kind === undefined) {
        this.problem(at, 'say envoy: <service>, grpc: <service> or gateway: <gateway>, exactly one');
        continue;
      }
      const service = item[kind];
      if (typeof service !== 'string') {
        this.problem([...at, kind], 'the service this proxy fronts, as a string ("" for none)');
        continue;
      }
      if (kind !== 'grpc' && service === '') {
        this.problem([...at, kind], 'an Envoy sidecar fronts a service, and a gateway has a name');
        continue;
      }
      const nodeId = item.nodeId ?? (kind === 'grpc' ? `${service || 'client'}-grpc-1` : `${service}-1`);
      if (typeof nodeId !== 'string' || nodeId === '') {
        this.problem([...at, 'nodeId'], 'expected a non-empty string');
        continue;
      }
      const authenticated = item.authenticated ?? kind !== 'grpc';
      if (typeof authenticated !== 'boolean') {
        this.problem([...at, 'authenticated'], 'expected true or false');
        continue;
      }
      const locality: { zone?: string; region?: string } = {};
      const problems: string[] = [];
      for (const key of ['zone', 'region'] as const) {
        const value = item[key];
        if (value === undefined) continue;
        if (typeof value === 'string' && value !== '') locality[key] = value;
        else problems.push(key);
      }
      if (problems[0] !== undefined) {
        this.problem([...at, problems[0]], 'expected a non-empty string: where the proxy runs (its bootstrap node.locality)');
        continue;
      }
      proxies.push({ kind, service, nodeId, authenticated, ...(Object.keys(locality).length > 0 && { locality }) });
    }
    return proxies;
  }

  /** Registered instances by service, each list sorted by id as the registry keeps it. */
  registry(value: unknown): Map<string, Instance[]> {
    const byService = new Map<string, Instance[]>();
    if (value === undefined) return byService;
    if (!Array.isArray(value)) {
      this.problem(['registry'], 'expected a list of instances');
      return byService;
    }
    for (const [index, item] of (value as unknown[]).entries()) {
      const at = ['registry', index];
      if (!isRecord(item)) {
        this.problem(at, 'expected an instance: { service, id, address, port, ... }');
        continue;
      }
      let persisted: PersistedInstance;
      try {
        // The registry file's own check: a case cannot hold an instance the registry would refuse.
        persisted = parsePersistedInstance(this.file, `registry[${index}]`, { health: 'healthy', ...item });
      } catch (e) {
        if (!(e instanceof RegistryFileError)) throw e;
        const field = e.place?.slice(`registry[${index}]`.length + 1);
        this.problem(field ? [...at, field] : at, e.detail);
        continue;
      }
      const list = byService.get(persisted.service) ?? [];
      if (list.some((i) => i.id === persisted.id)) {
        this.problem([...at, 'id'], `${persisted.service}/${persisted.id} is registered twice`);
        continue;
      }
      // As the registry makes an instance of a persisted one, with a fixed renewal time.
      list.push({
        service: persisted.service,
        id: persisted.id,
        address: persisted.address,
        port: persisted.port,
        labels: persisted.labels ?? {},
        weight: persisted.weight ?? DEFAULT_WEIGHT,
        ...(persisted.zone !== undefined && { zone: persisted.zone }),
        ...(persisted.region !== undefined && { region: persisted.region }),
        health: persisted.health,
        ...(persisted.ttlMs !== undefined && { ttlMs: persisted.ttlMs }),
        renewedAt: 0,
        source: 'registered',
      });
      byService.set(persisted.service, list);
    }
    for (const list of byService.values()) list.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    return byService;
  }

  ca(value: unknown, config: MeshConfig): MeshSecurityMaterial | undefined {
    if (value === undefined) return undefined;
    const certificates = isRecord(value) ? value.certificates : undefined;
    if (!isRecord(value) || Object.keys(value).some((k) => k !== 'certificates') || !Array.isArray(certificates)) {
      this.problem(['ca'], 'expected { certificates: [ <service>, ... ] }: the services the CA has issued a certificate to');
      return undefined;
    }
    // Gateways hold workload certificates too, under their names.
    const known = new Set([...config.services.map((s) => s.name), ...(config.gateways ?? []).map((g) => g.name)]);
    const issued: string[] = [];
    for (const [index, name] of (certificates as unknown[]).entries()) {
      // A misspelt name would silently leave its service without a certificate.
      if (typeof name === 'string' && known.has(name)) issued.push(name);
      else this.problem(['ca', 'certificates', index], 'not a service or gateway in the mesh file');
    }
    return fakeMaterial(issued);
  }

  private locate(at: Path): string {
    for (let n = at.length; n >= 0; n--) {
      const node: unknown = n === 0 ? this.doc.contents : this.doc.getIn(at.slice(0, n), true);
      if (isNode(node) && node.range) return this.at(node.range[0]);
    }
    return this.file;
  }

  private at(offset: number): string {
    const { line, col } = this.lines.linePos(offset);
    return `${this.file}:${line}:${col}`;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function formatPath(at: Path): string {
  return at.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
}
