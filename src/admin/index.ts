export { startAdminServer, type AdminServer, type AdminServerOptions } from './http-server';
export {
  jsonResponse,
  textResponse,
  emptyResponse,
  type AdminRequest,
  type AdminResponse,
  type HttpMethod,
  type RouteDefinition,
  type RouteHandler,
} from './route';
export { errorResponse, registryErrorResponse, statusForCode, type AdminErrorBody, type AdminErrorCode } from './errors';
export { Router, type RouteMatch } from './router';
export { registryRoutes, type RegistryRoutesOptions } from './routes/registry';
export { healthRoutes, type HealthRoutesOptions, type ReadinessCheck, type ReadinessResult } from './routes/health';
export { instanceJson, serviceJson, type InstanceJson, type ServiceJson } from './routes/instance-json';
export { adminBaseUrl, adminErrorOf, adminPath, callAdmin, type AdminCallResult, type AdminErrorDetail, type AdminTarget } from './client';
