import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EXAMPLE_MESH_YAML } from '../../src/config/example-mesh';
import { runValidate } from '../../src/cli/validate';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'switchyard-validate-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function write(name: string, text: string): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, text);
  return file;
}

async function run(argv: string[]): Promise<{ code: number; stdout: string[]; stderr: string[] }> {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const code = await runValidate(argv, { stdout: (s) => stdout.push(s), stderr: (s) => stderr.push(s) });
  return { code, stdout, stderr };
}

describe('switchyard validate', () => {
  it('exits 0 on a valid file and says so', async () => {
    const file = write('shop.yaml', EXAMPLE_MESH_YAML);
    expect(await run([file])).toEqual({ code: 0, stdout: [`${file}: valid: 6 services, 1 gateway, 0 warnings`], stderr: [] });
  });

  it('prints warnings but still exits 0', async () => {
    const file = write('grpc.yaml', 'services:\n  - { name: ledger, protocol: grpc, port: 9090, trafficPolicy: { loadBalancer: random } }\n');
    expect(await run([file])).toEqual({
      code: 0,
      stdout: [
        `${file}:2:80: warning: services[0].trafficPolicy.loadBalancer: proxyless gRPC clients cannot use loadBalancer random; they use round_robin instead`,
        `${file}: valid: 1 service, 1 warning`,
      ],
      stderr: [],
    });
  });

  it('prints every error with file:line:column, one per line, and exits 2', async () => {
    const file = write('bad.yaml', 'mesh: { mtls: on }\nservices:\n  - name: catalog\n    port: 0\n    allow: [ ghost ]\n');
    expect(await run([file])).toEqual({
      code: 2,
      stdout: [
        `${file}:1:15: error: mesh.mtls: "on" is not an mTLS mode; expected one of strict, permissive, disabled`,
        `${file}:4:11: error: services[0].port: expected a port number from 1 to 65535, got the number 0`,
        `${file}:5:14: error: services[0].allow[0]: allow names "ghost", which is not a service in this mesh`,
        `${file}: invalid: 3 errors, 0 warnings`,
      ],
      stderr: [],
    });
  });

  it('treats a missing file as invalid input', async () => {
    const file = path.join(dir, 'nope.yaml');
    expect(await run([file])).toEqual({
      code: 2,
      stdout: [`${file}: error: file not found`, `${file}: invalid: 1 error, 0 warnings`],
      stderr: [],
    });
  });

  it.each([
    [[], 'switchyard validate: missing FILE: the path of the mesh file to check'],
    [['a.yaml', 'b.yaml'], 'switchyard validate: expected one FILE, got 2: a.yaml b.yaml'],
    [['--strict', 'a.yaml'], 'switchyard validate: unknown flag --strict'],
  ])('rejects usage %j with exit 2', async (argv, message) => {
    const { code, stdout, stderr } = await run(argv);
    expect(code).toBe(2);
    expect(stdout).toEqual([]);
    expect(stderr).toHaveLength(1);
    expect(stderr[0].split('\n')[0]).toBe(message);
    expect(stderr[0]).toContain('usage: switchyard validate FILE');
  });

  it('prints help with --help and exits 0', async () => {
    const { code, stdout } = await run(['--help']);
    expect(code).toBe(0);
    expect(stdout[0]).toMatch(/^usage: switchyard validate FILE/);
  });

  it('takes a file named like a flag after --', async () => {
    const file = write('-odd.yaml', 'services: []\n');
    const { code, stdout } = await run(['--', file]);
    expect(code).toBe(0);
    expect(stdout).toEqual([`${file}: valid: 0 services, 0 warnings`]);
  });
});
