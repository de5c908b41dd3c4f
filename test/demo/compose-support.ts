// Reading compose/docker-compose.yml the way Compose does: through Debian's docker-compose
// (1.29) `config`, which checks it against the Compose specification's JSON schema and its own
// rules, then prints the resolved file (anchors merged, variables interpolated).
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { parse } from 'yaml';
import { REPO_ROOT } from '../support/serve-process';

export const COMPOSE_DIR = path.join(REPO_ROOT, 'compose');
export const COMPOSE_FILE = path.join(COMPOSE_DIR, 'docker-compose.yml');

export interface ComposeService {
  image?: string;
  build?: { context: string; dockerfile: string };
  entrypoint?: string[];
  command?: string[];
  environment?: Record<string, string>;
  network_mode?: string;
  networks?: Record<string, { ipv4_address?: string } | null>;
  volumes?: string[];
  ports?: string[];
  depends_on?: Record<string, { condition: string }>;
}

export interface ComposeConfig {
  services: Record<string, ComposeService>;
  networks: Record<string, { internal?: boolean; ipam?: { config: Array<{ subnet: string }> } }>;
  volumes: Record<string, unknown>;
}

/** Runs `docker-compose config` on a file (or on stdin with `-`), with no SWITCHYARD_* from our environment. */
export function composeConfig(file: string, stdin?: string): { status: number | null; stdout: string; stderr: string } {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('SWITCHYARD_')) env[k] = v;
  const r = spawnSync('docker-compose', ['-f', file, '--project-directory', COMPOSE_DIR, 'config'], { input: stdin, encoding: 'utf8', env, timeout: 60_000 });
  if (r.error) throw new Error(`docker-compose could not run (${r.error.message}); install Debian's docker-compose package (.ci/run does)`);
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

export function resolvedCompose(): ComposeConfig {
  const r = composeConfig(COMPOSE_FILE);
  if (r.status !== 0) throw new Error(`docker-compose config rejected ${COMPOSE_FILE}:\n${r.stderr}`);
  return parse(r.stdout) as ComposeConfig;
}

/** The demo's app containers: those running the demo app, by their DEMO_SERVICE role. */
export function appServices(config: ComposeConfig): Array<[string, ComposeService & { environment: Record<string, string> }]> {
  return Object.entries(config.services).filter(
    (e): e is [string, ComposeService & { environment: Record<string, string> }] => e[1].environment?.DEMO_SERVICE !== undefined,
  );
}
