// The real executable as a process: exit codes and messages.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { validateJsonMessage } from '../support/proto-json';
import { BIN, tempDir } from '../support/serve-process';

function run(args: string[], env: NodeJS.ProcessEnv = {}) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 30_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('switchyard CLI', () => {
  it('no command prints usage and exits 2; an unknown command names itself', () => {
    expect(run([]).code).toBe(2);
    const r = run(['frobnicate']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('unknown command "frobnicate"');
  });

  it('serve rejects a bad flag and a bad address with exit 2, naming the flag', () => {
    const bad = run(['serve', '--no-such-flag']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/no-such-flag/);
    const addr = run(['serve', '--xds-address', 'nonsense']);
    expect(addr.code).toBe(2);
    expect(addr.stderr).toContain('--xds-address: expected HOST:PORT, got "nonsense"');
    const envAddr = run(['serve'], { SWITCHYARD_ADMIN_ADDRESS: 'still-nonsense' });
    expect(envAddr.code).toBe(2);
    expect(envAddr.stderr).toContain('--admin-address');
  });

  it('serve refuses an invalid mesh file with its location and exit 2, starting nothing', () => {
    const file = path.join(tempDir(), 'mesh.yaml');
    fs.writeFileSync(file, 'services:\n  - name: catalog\n    port: 99999\n');
    const r = run(['serve', '--config', file, '--data-dir', tempDir(), '--xds-address', '127.0.0.1:0', '--admin-address', '127.0.0.1:0']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${file}:3:11`);
  });

  it('validate prints every problem with file:line:column and exits 2; a good file exits 0', () => {
    const dir = tempDir();
    const bad = path.join(dir, 'bad.yaml');
    fs.writeFileSync(bad, 'mesh:\n  mtls: sometimes\nservices:\n  - name: a\n    port: 1\n    allow: [ ghost ]\n');
    const r = run(['validate', bad]);
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(new RegExp(`${bad}:2:9: error`));
    expect(r.stdout).toMatch(new RegExp(`${bad}:6:14: error`));
    const good = path.join(dir, 'good.yaml');
    fs.writeFileSync(good, 'services:\n  - name: a\n    port: 8080\n');
    expect(run(['validate', good]).code).toBe(0);
    expect(run(['validate']).code).toBe(2);
  });

  it('bootstrap envoy prints a bootstrap that decodes strictly as envoy.config.bootstrap.v3.Bootstrap and passes validate.rules', () => {
    const yaml = run(['bootstrap', 'envoy', '--service', 'catalog', '--instance', 'catalog-1', '--token', 'syt1.abc.def', '--xds-address', 'switchyard:18000']);
    expect(yaml.code).toBe(0);
    const doc = parse(yaml.stdout) as Record<string, unknown>;
    expect(validateJsonMessage('envoy.config.bootstrap.v3.Bootstrap', doc)).toEqual([]);
    expect(yaml.stdout).toContain('Bearer syt1.abc.def');
    const json = run(['bootstrap', 'envoy', '--service', 'catalog', '--instance', 'catalog-1', '--format', 'json']);
    expect(validateJsonMessage('envoy.config.bootstrap.v3.Bootstrap', JSON.parse(json.stdout))).toEqual([]);
    const missing = run(['bootstrap', 'envoy', '--instance', 'x']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('--service is required');
    const badFormat = run(['bootstrap', 'envoy', '--service', 'a', '--instance', 'x', '--format', 'toml']);
    expect(badFormat.code).toBe(2);
  });

  it('bootstrap grpc prints a GRPC_XDS_BOOTSTRAP file', () => {
    const r = run(['bootstrap', 'grpc', '--node-id', 'n1', '--service', 'frontend', '--xds-address', '127.0.0.1:18000']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ xds_servers: [{ server_uri: '127.0.0.1:18000' }], node: { id: 'n1', cluster: 'frontend' } });
  });

  it('admin commands exit 1 with a clear message when no server is listening', () => {
    const r = run(['status', '--admin-address', '127.0.0.1:1']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('cannot reach the admin API at http://127.0.0.1:1');
  });
});
