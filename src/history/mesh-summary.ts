// What changed between two mesh versions, in words an operator scans: services added and
// removed, and for each changed service which of its settings moved.
import type { MeshConfig, ServicePolicy } from '../model';

const FIELDS: ReadonlyArray<keyof ServicePolicy> = ['protocol', 'port', 'subsets', 'trafficPolicy', 'routes', 'allow', 'endpoints'];

export function summarizeMeshChange(before: MeshConfig, after: MeshConfig): string[] {
  const out: string[] = [];
  for (const key of ['trustDomain', 'mtls', 'defaultPolicy'] as const) {
    if (before.mesh[key] !== after.mesh[key]) out.push(`mesh.${key}: ${before.mesh[key]} → ${after.mesh[key]}`);
  }
  const old = new Map(before.services.map((s) => [s.name, s]));
  const now = new Map(after.services.map((s) => [s.name, s]));
  for (const name of now.keys()) if (!old.has(name)) out.push(`service ${name} added`);
  for (const name of old.keys()) if (!now.has(name)) out.push(`service ${name} removed`);
  for (const [name, s] of now) {
    const o = old.get(name);
    if (!o) continue;
    const changed = FIELDS.filter((f) => JSON.stringify(o[f]) !== JSON.stringify(s[f]));
    if (changed.length > 0) out.push(`service ${name}: ${changed.join(', ')} changed`);
  }
  return out.length > 0 ? out : ['no change in policy (formatting or comments only)'];
}
