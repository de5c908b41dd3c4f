// Real etcd (Debian's etcd-server) on loopback for tests: one member or a three-member cluster,
// random free ports, temp data dirs. Members can be stopped and restarted with their data, and
// every process is killed when the test process exits, even after a failed test.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { freePort } from './free-port';

const ETCD_BIN = process.env.SWITCHYARD_TEST_ETCD ?? '/usr/bin/etcd';
const ETCDCTL_BIN = process.env.SWITCHYARD_TEST_ETCDCTL ?? '/usr/bin/etcdctl';

const running = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

export { freePort } from './free-port';

interface Member {
  readonly name: string;
  readonly clientUrl: string;
  readonly peerUrl: string;
  readonly dataDir: string;
  child: ChildProcess | undefined;
  log: string[];
}

export interface EtcdCluster {
  /** Client URLs of every member, in member order. */
  readonly endpoints: readonly string[];
  /** `--etcd-endpoints` value: every member, comma-separated. */
  readonly endpointsFlag: string;
  stopMember(index: number): Promise<void>;
  startMember(index: number): Promise<void>;
  stopAll(): Promise<void>;
  startAll(): Promise<void>;
  /** The index of the member that is raft leader now (asks the running members). */
  leaderIndex(): Promise<number>;
  /** Stops every member and removes the data dirs. */
  close(): Promise<void>;
  logs(): string;
}

function etcdctlJson(args: string[]): Promise<unknown> {
  return new Promise((resolve, reject) => {
    execFile(ETCDCTL_BIN, args, { env: { ...process.env, ETCDCTL_API: '3' }, timeout: 5_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`etcdctl ${args.join(' ')}: ${stderr || error.message}`));
      // Member ids are uint64: quote them before parsing so no precision is lost.
      else resolve(JSON.parse(stdout.replace(/"(member_id|leader|cluster_id)":(\d+)/g, '"$1":"$2"')));
    });
  });
}

async function waitHealthy(url: string, member: Member): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      const res = await fetch(`${url}/health`);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    if (member.child === undefined || member.child.exitCode !== null) throw new Error(`etcd ${member.name} exited:\n${member.log.join('')}`);
    if (Date.now() > deadline) throw new Error(`etcd ${member.name} not healthy after 30s:\n${member.log.join('')}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Starts `size` members (1 or 3) and waits until the cluster answers. */
export async function startEtcd(size = 1): Promise<EtcdCluster> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startEtcdOnce(size);
    } catch (error) {
      // Another process took a chosen port before etcd bound it: choose again.
      if (attempt >= 3 || !String(error).includes('address already in use')) throw error;
    }
  }
}

async function startEtcdOnce(size: number): Promise<EtcdCluster> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'switchyard-etcd-'));
  const members: Member[] = [];
  for (let i = 0; i < size; i++) {
    members.push({
      name: `m${i}`,
      clientUrl: `http://127.0.0.1:${await freePort()}`,
      peerUrl: `http://127.0.0.1:${await freePort()}`,
      dataDir: path.join(root, `m${i}`),
      child: undefined,
      log: [],
    });
  }
  const initialCluster = members.map((m) => `${m.name}=${m.peerUrl}`).join(',');

  function spawnMember(member: Member): void {
    const child = spawn(
      ETCD_BIN,
      [
        '--name',
        member.name,
        '--data-dir',
        member.dataDir,
        '--listen-client-urls',
        member.clientUrl,
        '--advertise-client-urls',
        member.clientUrl,
        '--listen-peer-urls',
        member.peerUrl,
        '--initial-advertise-peer-urls',
        member.peerUrl,
        '--initial-cluster',
        initialCluster,
        '--initial-cluster-state',
        'new',
        '--initial-cluster-token',
        path.basename(root),
        // Fast elections so leader loss is a sub-second event in tests; etcd's minimum lease TTL
        // is 1.5 × the election timeout, so 1s registry TTLs are honoured exactly.
        '--heartbeat-interval',
        '50',
        '--election-timeout',
        '500',
        '--logger',
        'zap',
        '--log-level',
        'error',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    member.child = child;
    running.add(child);
    const keep = (chunk: Buffer) => {
      member.log.push(chunk.toString());
      if (member.log.length > 200) member.log.shift();
    };
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    child.on('exit', () => running.delete(child));
  }

  async function stopMember(index: number): Promise<void> {
    const member = members[index]!;
    const child = member.child;
    member.child = undefined;
    if (child === undefined || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }

  async function startMember(index: number): Promise<void> {
    const member = members[index]!;
    if (member.child !== undefined) return;
    spawnMember(member);
    // A lone restarted member of a three-member cluster is not healthy until it has quorum.
    if (size === 1) await waitHealthy(member.clientUrl, member);
  }

  async function startAll(): Promise<void> {
    for (const member of members) if (member.child === undefined) spawnMember(member);
    await Promise.all(members.map((m) => waitHealthy(m.clientUrl, m)));
  }

  const cluster: EtcdCluster = {
    endpoints: members.map((m) => m.clientUrl),
    endpointsFlag: members.map((m) => m.clientUrl).join(','),
    stopMember,
    startMember,
    stopAll: async () => {
      for (let i = 0; i < members.length; i++) await stopMember(i);
    },
    startAll,
    leaderIndex: async () => {
      const live = members.filter((m) => m.child !== undefined).map((m) => m.clientUrl);
      const statuses = (await etcdctlJson(['--endpoints', live.join(','), 'endpoint', 'status', '-w', 'json'])) as Array<{
        Endpoint: string;
        Status: { header: { member_id: number | string }; leader: number | string };
      }>;
      const leader = statuses.find((s) => String(s.Status.header.member_id) === String(s.Status.leader));
      if (!leader) throw new Error('no member reports itself leader');
      return members.findIndex((m) => m.clientUrl === leader.Endpoint);
    },
    close: async () => {
      await cluster.stopAll();
      fs.rmSync(root, { recursive: true, force: true });
    },
    logs: () => members.map((m) => `--- ${m.name}\n${m.log.join('')}`).join('\n'),
  };
  try {
    await startAll();
  } catch (error) {
    await cluster.close();
    throw error;
  }
  return cluster;
}
