// The embedded store's snapshot file: every registered instance, one JSON object per line
// inside a single JSON document, written atomically so a crash leaves either the old file or
// the new. Changes since the snapshot live in the append log (registry-log.ts).

import { promises as fs } from 'node:fs';
import type { HealthStatus, Instance, InstanceRegistration } from '../model/instance';
import { checkInstanceId, checkServiceName, parseInstanceRegistration } from './validation';
import type { RegistrySnapshot } from './registry';

const FORMAT = 'switchyard.registry';
const FORMAT_VERSION = 1;

/** What the file keeps of an instance: the registration and its health, not heartbeat times. */
export interface PersistedInstance extends InstanceRegistration {
  readonly service: string;
  readonly id: string;
  readonly health: HealthStatus;
}

export interface RegistryFileContent {
  readonly revision: number;
  readonly instances: readonly PersistedInstance[];
}

/** A registry file that exists but cannot be used; the file is left untouched. */
export class RegistryFileError extends Error {
  override readonly name = 'RegistryFileError';

  constructor(
    readonly file: string,
    /** Where in the file, e.g. `3:17` or `instances[4].port`. */
    readonly place: string | undefined,
    readonly detail: string,
  ) {
    super(
      `${file}${place ? `:${place}` : ''}: ${detail}. The file holds the registered instances and was left ` +
        'as it is: repair it, or move it away to start with an empty registry.',
    );
  }
}

// Instances are immutable and shared between snapshots, so each is encoded once.
const encodedInstances = new WeakMap<Instance, string>();

/** The JSON the snapshot file and the log keep for an instance. */
export function encodePersistedInstance(instance: Instance): string {
  let encoded = encodedInstances.get(instance);
  if (encoded === undefined) {
    encoded = JSON.stringify(toPersisted(instance));
    encodedInstances.set(instance, encoded);
  }
  return encoded;
}

function toPersisted(instance: Instance): PersistedInstance {
  return {
    service: instance.service,
    id: instance.id,
    address: instance.address,
    port: instance.port,
    labels: instance.labels,
    weight: instance.weight,
    ...(instance.zone !== undefined && { zone: instance.zone }),
    ...(instance.region !== undefined && { region: instance.region }),
    ...(instance.ttlMs !== undefined && { ttlMs: instance.ttlMs }),
    health: instance.health,
  };
}

// Snapshot arrays are immutable and shared between snapshots, so a service's lines are
// encoded once per change of that service rather than once per write.
const encodedServices = new WeakMap<readonly Instance[], string>();

function encodeService(instances: readonly Instance[]): string {
  let encoded = encodedServices.get(instances);
  if (encoded === undefined) {
    encoded = instances.map(encodePersistedInstance).join(',\n');
    encodedServices.set(instances, encoded);
  }
  return encoded;
}

export function encodeRegistryFile(snapshot: RegistrySnapshot): string {
  const services = [...snapshot.services.values()].filter((instances) => instances.length > 0).map(encodeService);
  const header = `{"format":"${FORMAT}","version":${FORMAT_VERSION},"revision":${snapshot.revision},"instances":[`;
  return services.length === 0 ? `${header}]}\n` : `${header}\n${services.join(',\n')}\n]}\n`;
}

function lineAndColumn(text: string, offset: number): string {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  const column = offset - before.lastIndexOf('\n');
  return `${line}:${column}`;
}

function parseJson(file: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const position = /position (\d+)/.exec(message);
    const place = position ? lineAndColumn(text, Number(position[1])) : undefined;
    const reason = text.trim() === '' ? 'the file is empty' : `not valid JSON (${message})`;
    throw new RegistryFileError(file, place, reason);
  }
}

/** Checks one persisted instance; `where` names it in the error (`instances[3]`, `12:changes[0]`). */
export function parsePersistedInstance(file: string, where: string, value: unknown): PersistedInstance {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new RegistryFileError(file, where, 'expected an object');
  }
  const { service, id, health, ...registrationFields } = value as Record<string, unknown>;
  const problem = checkServiceName(service) ?? checkInstanceId(id);
  if (problem) throw new RegistryFileError(file, `${where}.${problem.field}`, problem.message);
  if (health !== 'healthy' && health !== 'unhealthy') {
    throw new RegistryFileError(file, `${where}.health`, `health must be "healthy" or "unhealthy"`);
  }
  const registration = parseInstanceRegistration(registrationFields);
  if (registration instanceof Error) {
    throw new RegistryFileError(file, `${where}.${registration.field}`, registration.message);
  }
  return { service: service as string, id: id as string, health, ...registration };
}

export function decodeRegistryFile(file: string, text: string): RegistryFileContent {
  const document = parseJson(file, text);
  if (typeof document !== 'object' || document === null || Array.isArray(document)) {
    throw new RegistryFileError(file, undefined, 'expected a JSON object');
  }
  const { format, version, revision, instances } = document as Record<string, unknown>;
  if (format !== FORMAT) throw new RegistryFileError(file, 'format', `expected "${FORMAT}", found ${JSON.stringify(format)}`);
  if (version !== FORMAT_VERSION) {
    throw new RegistryFileError(file, 'version', `this Switchyard reads version ${FORMAT_VERSION}, found ${JSON.stringify(version)}`);
  }
  if (typeof revision !== 'number' || !Number.isSafeInteger(revision) || revision < 0) {
    throw new RegistryFileError(file, 'revision', 'expected a non-negative integer');
  }
  if (!Array.isArray(instances)) throw new RegistryFileError(file, 'instances', 'expected an array');
  const seen = new Set<string>();
  const parsed = instances.map((value: unknown, index) => {
    const instance = parsePersistedInstance(file, `instances[${index}]`, value);
    const key = `${instance.service}/${instance.id}`;
    if (seen.has(key)) throw new RegistryFileError(file, `instances[${index}]`, `${key} appears twice`);
    seen.add(key);
    return instance;
  });
  return { revision, instances: parsed };
}

/** Reads the file; undefined when it does not exist yet (first start). */
export async function readRegistryFile(file: string): Promise<RegistryFileContent | undefined> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new RegistryFileError(file, undefined, `cannot be read (${(error as Error).message})`);
  }
  return decodeRegistryFile(file, text);
}
