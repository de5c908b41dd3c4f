// Registry routes: list services, read one, and register, renew or deregister an
// instance. Listings include the mesh file's static endpoints when the caller supplies them.

import type { ServicePolicy } from '../../model/mesh';
import type { Instance } from '../../model/instance';
import { RegistryError } from '../../registry/errors';
import { mergeInstances } from '../../registry/merge';
import type { RegistryReader, RegistryWriter } from '../../registry/registry';
import { checkInstanceId, checkServiceName } from '../../registry/validation';
import { registryErrorResponse } from '../errors';
import { access, emptyResponse, jsonResponse, type AdminRequest, type AdminResponse, type RouteDefinition } from '../route';
import { serviceJson, instanceJson } from './instance-json';
import { parseRegistrationBody } from './registration-body';

export interface RegistryRoutesOptions {
  readonly registry: RegistryReader & RegistryWriter;
  /** The current mesh file's services, so listings show static endpoints too. */
  readonly meshServices?: () => readonly ServicePolicy[];
}

const INSTANCE_PATH = '/v1/services/{service}/instances/{id}';
/** Writes to an instance need service:write for its service (or service:write:*). */
const WRITE_ACCESS = access.rule((request) => `service:write:${request.params.service}`);

function pathProblem(request: AdminRequest, withId: boolean): AdminResponse | undefined {
  const problem = checkServiceName(request.params.service) ?? (withId ? checkInstanceId(request.params.id) : undefined);
  return problem ? registryErrorResponse(problem) : undefined;
}

export function registryRoutes(options: RegistryRoutesOptions): RouteDefinition[] {
  const { registry } = options;

  function currentInstances(): { revision: number; services: ReadonlyMap<string, readonly Instance[]> } {
    const snapshot = registry.snapshot();
    const services = options.meshServices ? mergeInstances(options.meshServices(), snapshot.services) : snapshot.services;
    return { revision: snapshot.revision, services };
  }

  return [
    {
      method: 'GET',
      path: '/v1/services',
      access: access.rule('read'),
      handler: () => {
        const { revision, services } = currentInstances();
        return jsonResponse(200, {
          revision,
          services: [...services].map(([name, instances]) => serviceJson(name, instances)),
        });
      },
    },
    {
      method: 'GET',
      path: '/v1/services/{service}',
      access: access.rule('read'),
      handler: (request) => {
        const problem = pathProblem(request, false);
        if (problem) return problem;
        const service = request.params.service!;
        const { revision, services } = currentInstances();
        const instances = services.get(service);
        if (instances === undefined) {
          return registryErrorResponse(new RegistryError('not_found', 'service', `service ${service} has no instances and is not in the mesh file`));
        }
        return jsonResponse(200, { revision, ...serviceJson(service, instances) });
      },
    },
    {
      method: 'PUT',
      path: INSTANCE_PATH,
      access: WRITE_ACCESS,
      handler: async (request) => {
        const problem = pathProblem(request, true);
        if (problem) return problem;
        const registration = parseRegistrationBody(request.body);
        if (registration instanceof RegistryError) return registryErrorResponse(registration);
        const instance = await registry.register(request.params.service!, request.params.id!, registration);
        return jsonResponse(200, instanceJson(instance));
      },
    },
    {
      method: 'POST',
      path: `${INSTANCE_PATH}/heartbeat`,
      access: WRITE_ACCESS,
      handler: async (request) => {
        const problem = pathProblem(request, true);
        if (problem) return problem;
        const instance = await registry.heartbeat(request.params.service!, request.params.id!);
        return jsonResponse(200, instanceJson(instance));
      },
    },
    {
      method: 'DELETE',
      path: INSTANCE_PATH,
      access: WRITE_ACCESS,
      handler: async (request) => {
        const problem = pathProblem(request, true);
        if (problem) return problem;
        await registry.deregister(request.params.service!, request.params.id!);
        return emptyResponse(204);
      },
    },
  ];
}
