// Sidecar certificates are issued up front only when the mesh uses mTLS; turning mTLS on in the
// mesh file issues them then, without a restart.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startServe, tempDir, type ServeProcess, adminFetch } from '../support/serve-process';
import { eventually } from '../support/xds-harness';

function mesh(mtls: 'disabled' | 'strict'): string {
  return `mesh:\n  trustDomain: switchyard.local\n  mtls: ${mtls}\n  defaultPolicy: allow\nservices:\n  - { name: frontend, protocol: http, port: 8080 }\n  - { name: catalog, protocol: http, port: 8080 }\n`;
}

async function issued(server: ServeProcess): Promise<number> {
  const text = await (await adminFetch(`${server.adminUrl}/metrics`)).text();
  return text
    .split('\n')
    .filter((l) => l.startsWith('switchyard_ca_certificates_issued_total'))
    .reduce((sum, l) => sum + Number(l.split(' ').pop()), 0);
}

let server: ServeProcess | undefined;
afterAll(async () => {
  await server?.stop();
});

describe('certificates and mesh.mtls', () => {
  it('issues none while mTLS is disabled, and one per service once the file turns it on', async () => {
    const file = path.join(tempDir(), 'mesh.yaml');
    fs.writeFileSync(file, mesh('disabled'));
    server = await startServe(['--config', file, '--debounce', '20ms']);
    expect(await issued(server)).toBe(0);
    fs.writeFileSync(file, mesh('strict'));
    await eventually(async () => (await issued(server!)) === 2, 15_000, 'certificates issued after the reload');
  }, 40_000);
});
