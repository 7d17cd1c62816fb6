import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { errorParts } from './paca-api-error.js';

/**
 * A failed call as the agent reads it (issue 10): `isError` with the API's `error_code` and
 * message, then the details as compact JSON — validation issues name the argument
 * (`{"issues":[{"path":"title","message":"is required"}]}`), so the agent can fix its call.
 */
export function errorResult(error: unknown): CallToolResult {
  const { code, message, details } = errorParts(error);
  const lines = [`${code}: ${message}`];
  if (details && Object.keys(details).length > 0) lines.push(`details: ${JSON.stringify(details)}`);
  return { isError: true, content: [{ type: 'text', text: lines.join('\n') }] };
}
