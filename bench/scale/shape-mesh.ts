// Istio's load-test shape as a mesh file: N http services on one port, every service may call
// every other (a full mesh, so each sidecar is sent every service).
export function serviceName(i: number): string {
  return `svc-${String(i).padStart(4, '0')}`;
}

export function shapeMeshYaml(services: number, opts: { mtls?: 'disabled' | 'permissive' | 'strict' } = {}): string {
  const lines = ['mesh:', '  trustDomain: bench.local', `  mtls: ${opts.mtls ?? 'disabled'}`, '  defaultPolicy: allow', 'services:'];
  for (let i = 0; i < services; i++) lines.push(`  - { name: ${serviceName(i)}, protocol: http, port: 8080 }`);
  return `${lines.join('\n')}\n`;
}
