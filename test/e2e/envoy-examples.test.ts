// The example bootstraps under envoy/ are exactly what `switchyard bootstrap envoy` prints today,
// and each decodes strictly as an Envoy Bootstrap and passes validate.rules.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { validateJsonMessage } from '../support/proto-json';
import { BIN, REPO_ROOT } from '../support/serve-process';

const SERVICES = ['frontend', 'catalog', 'orders', 'payments', 'db'];

describe('envoy/ example bootstraps', () => {
  it.each(SERVICES)('envoy/%s.yaml is current (regenerate with scripts/envoy-examples.sh) and valid', (svc) => {
    const printed = spawnSync(
      process.execPath,
      [BIN, 'bootstrap', 'envoy', '--service', svc, '--instance', `${svc}-1`, '--xds-address', 'switchyard:18000', '--cert-dir', '/etc/switchyard'],
      { encoding: 'utf8' },
    );
    expect(printed.status).toBe(0);
    const committed = fs.readFileSync(path.join(REPO_ROOT, 'envoy', `${svc}.yaml`), 'utf8');
    expect(committed).toBe(printed.stdout);
    expect(validateJsonMessage('envoy.config.bootstrap.v3.Bootstrap', parse(committed))).toEqual([]);
  });

  it("envoy/gateway.yaml is the shop's ingress gateway (bootstrap envoy --gateway public), current and valid", () => {
    const printed = spawnSync(
      process.execPath,
      [BIN, 'bootstrap', 'envoy', '--gateway', 'public', '--xds-address', 'switchyard:18000', '--cert-dir', '/etc/switchyard'],
      {
        encoding: 'utf8',
      },
    );
    expect(printed.status).toBe(0);
    const committed = fs.readFileSync(path.join(REPO_ROOT, 'envoy', 'gateway.yaml'), 'utf8');
    expect(committed).toBe(printed.stdout);
    const doc = parse(committed) as { node: { cluster: string; metadata: Record<string, string> } };
    expect(doc.node.cluster).toBe('public');
    expect(doc.node.metadata).toEqual({ 'switchyard.io/gateway': 'public' });
    expect(validateJsonMessage('envoy.config.bootstrap.v3.Bootstrap', doc)).toEqual([]);
  });
});
