import { defineError } from '@paca/plugin-sdk';

export const McpToolNotFound = defineError<{ tool: string }>('MCP_TOOL_NOT_FOUND', 404,
  ({ tool }) => `no tool named ${tool} is available (see GET /api/v1/mcp/tools)`);
export const McpProjectPinned = defineError<{ pinned_project_id: string; project_id: string }>('MCP_PROJECT_PINNED', 403,
  ({ pinned_project_id }) => `this MCP session is pinned to project ${pinned_project_id}; calls naming another project are refused`);
