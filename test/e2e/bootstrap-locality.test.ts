// `bootstrap envoy|grpc --zone --region` put the proxy's locality in node.locality, which is what
// serve prioritises endpoints relative to (issue 16, item 2).
import { spawnSync } from 'node:child_process';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { BIN } from '../support/serve-process';
import { validateJsonMessage } from '../support/proto-json';

function run(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('bootstrap --zone --region', () => {
  it('an Envoy bootstrap carries node.locality and still decodes strictly as a Bootstrap', () => {
    const r = run(['bootstrap', 'envoy', '--service', 'catalog', '--instance', 'catalog-1', '--zone', 'eu-west-1a', '--region', 'eu-west']);
    expect(r.code, r.stderr).toBe(0);
    const doc = parse(r.stdout) as { node: { locality?: unknown } };
    expect(doc.node.locality).toEqual({ region: 'eu-west', zone: 'eu-west-1a' });
    expect(validateJsonMessage('envoy.config.bootstrap.v3.Bootstrap', doc)).toEqual([]);
    // Without the flags, no locality at all (as before).
    const plain = parse(run(['bootstrap', 'envoy', '--service', 'catalog', '--instance', 'catalog-1']).stdout) as { node: object };
    expect(plain.node).not.toHaveProperty('locality');
  });

  it('a gRPC bootstrap carries node.locality; a bad name is a usage error', () => {
    const r = run(['bootstrap', 'grpc', '--service', 'frontend', '--node-id', 'frontend-1', '--zone', 'eu-west-1a']);
    expect(r.code, r.stderr).toBe(0);
    expect((JSON.parse(r.stdout) as { node: { locality: unknown } }).node.locality).toEqual({ zone: 'eu-west-1a' });
    const bad = run(['bootstrap', 'grpc', '--zone', 'eu west']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--zone');
  });
});
