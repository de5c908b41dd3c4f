// The golden-case loader: a case is read as serve reads its inputs, and a wrong case fails loudly
// at its own line and column rather than quietly testing something else.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadCaseFile } from './support/case-files';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'switchyard-cases-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function write(name: string, text: string): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, text);
  return file;
}

describe('loadCaseFile', () => {
  it("merges the mesh file's static endpoints with the registry, as serve does", () => {
    const file = write(
      'static.in.yaml',
      [
        'description: "static and registered"',
        'registry:',
        '  - { service: catalog, id: catalog-b, address: 10.0.0.2, port: 15006 }',
        '  - { service: catalog, id: catalog-a, address: 10.0.0.1, port: 15006, health: unhealthy }',
        'proxies:',
        '  - envoy: catalog',
        '  - grpc: ""',
        '---',
        'mesh: { mtls: disabled }',
        'services:',
        '  - name: catalog',
        '    port: 8080',
        '    endpoints: [ { address: 10.9.9.9 } ]',
        '',
      ].join('\n'),
    );
    const c = loadCaseFile(file);
    expect(c.name).toBe('static');
    expect(c.outputFile).toBe(path.join(dir, 'static.out.yaml'));
    expect(c.state.instances.get('catalog')?.map((i) => [i.id, i.source, i.health])).toEqual([
      ['catalog-a', 'registered', 'unhealthy'],
      ['catalog-b', 'registered', 'healthy'],
      ['static-10.9.9.9-8080', 'static', 'healthy'],
    ]);
    expect(c.proxies).toEqual([
      { kind: 'envoy', service: 'catalog', nodeId: 'catalog-1', authenticated: true },
      { kind: 'grpc', service: '', nodeId: 'client-grpc-1', authenticated: false },
    ]);
    expect(c.state.security).toBeUndefined();
  });

  it('reports every mistake at once, each at its line and column in the case file', () => {
    const file = write(
      'bad.in.yaml',
      [
        'description: "bad"',
        'registry:',
        '  - { service: catalog, id: c-1, address: 10.0.0.999, port: 15006 }',
        'proxies:',
        '  - envoy: catalog',
        '    colour: red',
        '---',
        'services:',
        '  - name: catalog',
        '    port: eighty',
        '',
      ].join('\n'),
    );
    let message = '';
    try {
      loadCaseFile(file);
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toContain(`${file}:3:43: registry[0].address: address "10.0.0.999" is not an IPv4 address`);
    expect(message).toContain(`${file}:6:13: proxies[0].colour: unknown key`);
    expect(message).toContain(`${file}:10:11: error: services[0].port: expected a port number`);
  });
});
