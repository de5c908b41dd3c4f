// The admin API's one error shape: {"error": {"code", "message", "field"}}.
// `field` names the JSON body field, path parameter or header at fault, or is null.

import type { RegistryError, RegistryErrorCode } from '../registry/errors';
import { jsonResponse, type JsonResponse } from './route';

export type AdminErrorCode = RegistryErrorCode | 'unauthenticated' | 'permission_denied' | 'method_not_allowed' | 'payload_too_large' | 'internal';

export interface AdminErrorBody {
  readonly error: {
    readonly code: AdminErrorCode;
    readonly message: string;
    readonly field: string | null;
  };
}

const STATUS_BY_CODE: Readonly<Record<AdminErrorCode, number>> = {
  invalid_argument: 400,
  unauthenticated: 401,
  permission_denied: 403,
  not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  payload_too_large: 413,
  internal: 500,
  unavailable: 503,
};

export function statusForCode(code: AdminErrorCode): number {
  return STATUS_BY_CODE[code];
}

export function errorResponse(code: AdminErrorCode, message: string, field?: string, headers?: Readonly<Record<string, string>>): JsonResponse {
  const body: AdminErrorBody = { error: { code, message, field: field ?? null } };
  return jsonResponse(statusForCode(code), body, headers);
}

export function registryErrorResponse(error: RegistryError): JsonResponse {
  return errorResponse(error.code, error.message, error.field);
}
