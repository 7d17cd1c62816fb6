import type { PacaError } from '@paca/plugin-sdk';

export interface SuccessEnvelope<T> {
  success: true;
  data: T;
  request_id: string;
}

export interface ErrorEnvelope {
  success: false;
  error_code: string;
  error: string;
  error_details?: Record<string, unknown>;
  request_id: string;
}

export function successEnvelope<T>(data: T, requestId: string): SuccessEnvelope<T> {
  return { success: true, data, request_id: requestId };
}

export function errorEnvelope(error: PacaError, requestId: string): ErrorEnvelope {
  return {
    success: false,
    error_code: error.code,
    error: error.message,
    ...(error.details ? { error_details: error.details as Record<string, unknown> } : {}),
    request_id: requestId,
  };
}
