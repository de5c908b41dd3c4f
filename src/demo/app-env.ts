// Reading a demo app's settings from its environment, with errors that name the variable:
// one small app serves every role, so the role is configuration, not code.

export class DemoEnvError extends Error {}

export function requiredEnv(env: NodeJS.ProcessEnv, name: string, hint: string): string {
  const value = env[name];
  if (value === undefined || value === '') throw new DemoEnvError(`${name} is not set (${hint})`);
  return value;
}

export function intEnv(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) throw new DemoEnvError(`${name}: expected an integer ${min}-${max}, got "${raw}"`);
  return value;
}

export const SERVICE_ROLES = ['gateway', 'frontend', 'catalog', 'orders', 'payments', 'db'] as const;
export type ServiceRole = (typeof SERVICE_ROLES)[number];

export function roleEnv(env: NodeJS.ProcessEnv, roles: readonly ServiceRole[] = SERVICE_ROLES): ServiceRole {
  const value = requiredEnv(env, 'DEMO_SERVICE', `one of ${roles.join(', ')}`);
  const role = roles.find((r) => r === value);
  if (!role) throw new DemoEnvError(`DEMO_SERVICE: expected one of ${roles.join(', ')}, got "${value}"`);
  return role;
}

/** Runs an app's main; a bad environment is exit 2 with the reason, anything else exit 1. */
export function runMain(main: () => Promise<void>): void {
  main().catch((err: unknown) => {
    process.stderr.write(
      `${err instanceof DemoEnvError ? 'demo app: ' : ''}${err instanceof Error ? (err instanceof DemoEnvError ? err.message : (err.stack ?? err.message)) : String(err)}\n`,
    );
    process.exit(err instanceof DemoEnvError ? 2 : 1);
  });
}
