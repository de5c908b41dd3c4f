// Workload certificates issued per second by the CA, ECDSA P-256 and RSA 2048 leaves, each
// signed by an ECDSA P-256 root and by an RSA 2048 root.
//   npx tsx bench/certificates.ts
import * as os from 'node:os';
import { performance } from 'node:perf_hooks';
import { createRoot } from '../src/ca/root';
import { issueWorkloadCertificate } from '../src/ca/workload';
import type { KeyType } from '../src/ca/keys';

async function rate(rootType: KeyType, leafType: KeyType, seconds: number): Promise<number> {
  const { root } = await createRoot('switchyard.local', rootType);
  let n = 0;
  const start = performance.now();
  while (performance.now() - start < seconds * 1000) {
    await issueWorkloadCertificate(root, { trustDomain: 'switchyard.local', service: `svc-${n}`, keyType: leafType, ttlMs: 24 * 3600_000 });
    n++;
  }
  return n / ((performance.now() - start) / 1000);
}

async function main(): Promise<void> {
  const cpu = os.cpus();
  console.log(`machine: ${cpu.length} cores (${cpu[0]?.model}), node ${process.version}; one issuance at a time (key generation + signing)`);
  console.log('| root | leaf | certificates/s |');
  console.log('|---|---|---|');
  for (const [root, leaf] of [
    ['ecdsa-p256', 'ecdsa-p256'],
    ['ecdsa-p256', 'rsa-2048'],
    ['rsa-2048', 'ecdsa-p256'],
    ['rsa-2048', 'rsa-2048'],
  ] as Array<[KeyType, KeyType]>) {
    console.log(`| ${root} | ${leaf} | ${(await rate(root, leaf, 3)).toFixed(0)} |`);
  }
}

void main();
