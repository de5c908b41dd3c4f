// compose/alerts.yml: promtool accepts the rules, and compose/alerts-test.yml (promtool's unit
// tests) passes and shows every alert both firing and not firing. That the metrics they name are
// exported by a real serve is in test/e2e/dashboards-prometheus.test.ts.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { COMPOSE_DIR } from './compose-support';

interface RuleTests {
  rule_files: string[];
  tests: Array<{ name: string; alert_rule_test?: Array<{ alertname: string; exp_alerts: unknown[] }> }>;
}

const rules = parse(fs.readFileSync(path.join(COMPOSE_DIR, 'alerts.yml'), 'utf8')) as {
  groups: Array<{ rules: Array<{ alert: string; labels: { severity: string } }> }>;
};
const alertNames = rules.groups.flatMap((g) => g.rules.map((r) => r.alert));

function promtool(args: string[]) {
  const r = spawnSync('promtool', args, { cwd: COMPOSE_DIR, encoding: 'utf8' });
  expect(r.error, 'promtool missing: install Debian prometheus (.ci/run does)').toBeUndefined();
  return r;
}

describe('compose/alerts.yml', () => {
  it('passes promtool check rules', () => {
    const r = promtool(['check', 'rules', 'alerts.yml']);
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain(`SUCCESS: ${alertNames.length} rules found`);
  });

  it('covers the control plane: NACKs, stuck proxies, certificates near expiry, etcd unavailable, each with a severity', () => {
    for (const name of [
      'SwitchyardXdsNacks',
      'SwitchyardProxiesStuckUnsynced',
      'SwitchyardWorkloadCertificateExpiring',
      'SwitchyardRootCertificateExpiring',
      'SwitchyardEtcdUnavailable',
    ]) {
      expect(alertNames).toContain(name);
    }
    for (const g of rules.groups) for (const r of g.rules) expect(['warning', 'critical']).toContain(r.labels.severity);
  });

  it('passes promtool test rules, whose cases show every alert firing and not firing', () => {
    const r = promtool(['test', 'rules', 'alerts-test.yml']);
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain('SUCCESS');

    const tests = parse(fs.readFileSync(path.join(COMPOSE_DIR, 'alerts-test.yml'), 'utf8')) as RuleTests;
    expect(tests.rule_files).toEqual(['alerts.yml']);
    const checks = tests.tests.flatMap((t) => t.alert_rule_test ?? []);
    for (const name of alertNames) {
      const mine = checks.filter((c) => c.alertname === name);
      expect(
        mine.some((c) => c.exp_alerts.length > 0),
        `${name} is never shown firing`,
      ).toBe(true);
      expect(
        mine.some((c) => c.exp_alerts.length === 0),
        `${name} is never shown silent`,
      ).toBe(true);
    }
  });

  it('a broken expectation fails promtool test rules (the unit tests can fail)', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'switchyard-alerts-'));
    fs.copyFileSync(path.join(COMPOSE_DIR, 'alerts.yml'), path.join(dir, 'alerts.yml'));
    const broken = fs.readFileSync(path.join(COMPOSE_DIR, 'alerts-test.yml'), 'utf8').replace("values: '0x5'", "values: '1x5'");
    fs.writeFileSync(path.join(dir, 'alerts-test.yml'), broken);
    const r = spawnSync('promtool', ['test', 'rules', 'alerts-test.yml'], { cwd: dir, encoding: 'utf8' });
    expect(r.status).not.toBe(0);
    expect(r.stdout + r.stderr).toContain('SwitchyardDown');
  });
});
