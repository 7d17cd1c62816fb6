import assert from 'node:assert/strict';
import type { ApiResponse } from './start-test-kernel.js';

const show = (response: ApiResponse) => `${response.status} ${JSON.stringify(response.json)}`;

/** Asserts the status, showing the body when it differs. */
export function expectStatus(response: ApiResponse, status: number): void {
  assert.equal(response.status, status, `expected ${status}, got ${show(response)}`);
}

/** Asserts a success envelope with `status` and returns its `data`. */
export function expectData<T = any>(response: ApiResponse, status = 200): T {
  expectStatus(response, status);
  if (status === 204) return null as T;
  assert.equal(response.json?.success, true, `expected a success envelope, got ${show(response)}`);
  assert.equal(typeof response.json.request_id, 'string', 'success envelope without request_id');
  return response.json.data as T;
}

/** Asserts the error envelope (D2): status, `error_code`, a message and the request id. */
export function expectError(response: ApiResponse, status: number, code: string): void {
  expectStatus(response, status);
  const body = response.json;
  assert.equal(body?.success, false, `expected an error envelope, got ${show(response)}`);
  assert.equal(body.error_code, code, `expected error_code ${code}, got ${show(response)}`);
  assert.equal(typeof body.error, 'string', 'error envelope without a message');
  assert.equal(typeof body.request_id, 'string', 'error envelope without request_id');
}
