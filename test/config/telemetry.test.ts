// The mesh file's accessLog (mesh, service) and tracing (mesh): what parses, and every mistake
// reported at its place.
import { describe, expect, it } from 'vitest';
import { expectFound, found, parseLines } from './problems';

const SERVICE = ['services:', '  - name: catalog', '    port: 8080'];

describe('accessLog and tracing', () => {
  it('reads each destination, the format (json by default), sampling (100 by default) and a service turning the log off', () => {
    const r = parseLines([
      'mesh:',
      '  accessLog: { otlp: otel-collector:4317 }',
      '  tracing: { otlp: "[fd00::7]:4317" }',
      'services:',
      '  - name: catalog',
      '    port: 8080',
      '    accessLog: { to: stdout, format: text }',
      '  - name: orders',
      '    port: 8081',
      '    accessLog: { file: /var/log/orders.log }',
      '  - name: db',
      '    port: 5432',
      '    protocol: tcp',
      '    accessLog: false',
    ]);
    expect(r.problems).toEqual([]);
    expect(r.config!.mesh.accessLog).toEqual({ sink: { kind: 'otlp', address: { host: 'otel-collector', port: 4317 } }, format: 'json' });
    expect(r.config!.mesh.tracing).toEqual({ otlp: { host: 'fd00::7', port: 4317 }, samplingPercent: 100 });
    expect(r.config!.services.map((s) => s.accessLog)).toEqual([
      { sink: { kind: 'stdout' }, format: 'text' },
      { sink: { kind: 'file', path: '/var/log/orders.log' }, format: 'json' },
      false,
    ]);
  });

  it('leaves both out of a mesh that does not mention them', () => {
    const r = parseLines(SERVICE);
    expect(r.config!.mesh).toEqual({ trustDomain: 'switchyard.local', mtls: 'strict', defaultPolicy: 'allow' });
    expect('accessLog' in r.config!.services[0]!).toBe(false);
  });

  it.each([
    { name: 'no destination', line: '  accessLog: { format: json }', errors: [['2:14', 'mesh.accessLog', 'exactly one destination, got no destination']] },
    { name: 'two destinations', line: '  accessLog: { to: stdout, file: /x.log }', errors: [['2:14', 'mesh.accessLog', 'got to and file together']] },
    {
      name: 'unknown destination',
      line: '  accessLog: { to: stderr }',
      errors: [['2:20', 'mesh.accessLog.to', '"stderr" is not an access log destination; expected one of stdout']],
    },
    { name: 'relative file', line: '  accessLog: { file: logs/a.log }', errors: [['2:22', 'mesh.accessLog.file', 'must be an absolute path']] },
    {
      name: 'format typo',
      line: '  accessLog: { to: stdout, format: jsn }',
      errors: [['2:36', 'mesh.accessLog.format', '"jsn" is not an access log format; expected one of json, text']],
    },
    { name: 'off is only for services', line: '  accessLog: false', errors: [['2:14', 'mesh.accessLog', 'expected a map, got the boolean false']] },
    { name: 'otlp without a port', line: '  accessLog: { otlp: otel-collector }', errors: [['2:22', 'mesh.accessLog.otlp', 'is not HOST:PORT']] },
    { name: 'otlp port out of range', line: '  accessLog: { otlp: "c:70000" }', errors: [['2:22', 'mesh.accessLog.otlp', 'port 70000 is not a port number']] },
    { name: 'tracing without otlp', line: '  tracing: { sampling: 5 }', errors: [['2:12', 'mesh.tracing.otlp', 'missing otlp']] },
    {
      name: 'sampling over 100',
      line: '  tracing: { otlp: c:4317, sampling: 150 }',
      errors: [['2:38', 'mesh.tracing.sampling', 'a percentage from 0 to 100']],
    },
    {
      name: 'tracing key typo',
      line: '  tracing: { otlp: c:4317, sample: 5 }',
      errors: [['2:28', 'mesh.tracing.sample', 'unknown key "sample"; expected one of otlp, sampling']],
    },
  ])('$name', ({ line, errors }) => {
    const r = parseLines(['mesh:', line, ...SERVICE]);
    expectFound(found(r.problems, 'error'), errors as unknown as Array<readonly [string, string, string]>);
  });
});
