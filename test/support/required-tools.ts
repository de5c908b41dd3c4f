// Which test files drive which outside tool as a real process. vitest.config.ts leaves a file out
// when one of its tools is missing, with one line per missing tool saying how to install it, so a
// bare `npm test` on a machine without them runs everything else instead of failing uncaught.
// `npm run test:all` (the README's test command) installs the tools first and sets
// SWITCHYARD_REQUIRE_TEST_TOOLS=1, under which a missing tool is an error, not a skip.
import { spawnSync } from 'node:child_process';

export interface RequiredTool {
  /** What is run to see whether the tool works. */
  readonly probe: readonly string[];
  /** The Debian package that brings it. */
  readonly debianPackage: string;
  /** Test files (globs relative to the repository root) that cannot run without it. */
  readonly files: readonly string[];
}

const ETCD_BIN = process.env.SWITCHYARD_TEST_ETCD ?? '/usr/bin/etcd';

export const REQUIRED_TOOLS: Readonly<Record<string, RequiredTool>> = {
  etcd: { probe: [ETCD_BIN, '--version'], debianPackage: 'etcd-server', files: ['test/etcd/**/*.test.ts', 'test/e2e/dashboards-prometheus.test.ts'] },
  etcdctl: { probe: [process.env.SWITCHYARD_TEST_ETCDCTL ?? '/usr/bin/etcdctl', 'version'], debianPackage: 'etcd-client', files: ['test/etcd/**/*.test.ts'] },
  prometheus: {
    probe: ['prometheus', '--version'],
    debianPackage: 'prometheus',
    files: ['test/e2e/prometheus-scrape.test.ts', 'test/demo/compose-file.test.ts', 'test/e2e/dashboards-prometheus.test.ts'],
  },
  promtool: {
    probe: ['promtool', '--version'],
    debianPackage: 'prometheus',
    files: ['test/e2e/prometheus-scrape.test.ts', 'test/demo/compose-file.test.ts', 'test/demo/alerts.test.ts'],
  },
  // The second real xDS client: gRPC C-core through Debian's Python (not whatever python3 is first
  // on PATH, which may be a pyenv or venv build without grpcio).
  'python3-grpcio': {
    probe: ['/usr/bin/python3', '-c', 'import grpc'],
    debianPackage: 'python3-grpcio',
    files: ['test/e2e/python-grpc-*.test.ts', 'test/translate/grpc-core-*.test.ts'],
  },
  chromium: {
    probe: ['/usr/bin/chromium', '--version'],
    debianPackage: 'chromium',
    files: ['test/console/**/*.test.ts'],
  },
  'docker-compose': {
    probe: ['docker-compose', 'version'],
    debianPackage: 'docker-compose',
    files: ['test/demo/compose-file.test.ts', 'test/demo/compose-bootstraps.test.ts'],
  },
};

function works(probe: readonly string[]): boolean {
  const r = spawnSync(probe[0]!, probe.slice(1), { stdio: 'ignore', timeout: 20_000 });
  return r.error === undefined && r.status === 0;
}

/** The files to leave out, and one line per missing tool. Throws when tools are required. */
export function filesWithoutTheirTools(): { exclude: string[]; lines: string[] } {
  const exclude = new Set<string>();
  const lines: string[] = [];
  for (const [name, tool] of Object.entries(REQUIRED_TOOLS)) {
    if (works(tool.probe)) continue;
    for (const f of tool.files) exclude.add(f);
    lines.push(
      `skipping ${tool.files.join(', ')}: ${name} is missing; install it with ` +
        `\`apt-get install ${tool.debianPackage}\` (as root), or run \`npm run test:all\`, which installs it`,
    );
  }
  if (lines.length > 0 && process.env.SWITCHYARD_REQUIRE_TEST_TOOLS === '1') {
    throw new Error(`test tools required but missing:\n${lines.join('\n')}`);
  }
  return { exclude: [...exclude], lines };
}
