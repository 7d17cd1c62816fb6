import type { CatalogueTool } from './catalogue-tool.js';
import type { ToolBackend } from './tool-backend.js';

/** Which of the caller's tools an MCP session shows (issue 10's context-size settings). */
export interface ToolSelection {
  /** Only tools in these toolsets; null or empty = all. Unknown names match nothing. */
  toolsets?: readonly string[] | null | undefined;
  /** Only tools that declare `readOnlyHint: true`. */
  readOnly?: boolean | undefined;
}

export function selectTools(tools: readonly CatalogueTool[], selection: ToolSelection): CatalogueTool[] {
  const toolsets = selection.toolsets && selection.toolsets.length > 0 ? new Set(selection.toolsets) : null;
  return tools.filter((tool) =>
    (!toolsets || toolsets.has(tool.toolset)) && (!selection.readOnly || tool.annotations?.readOnlyHint === true));
}

/** Whether the selection can hide tools at all (then a call must be checked against the list). */
export function narrowsTools(selection: ToolSelection): boolean {
  return Boolean(selection.readOnly) || Boolean(selection.toolsets && selection.toolsets.length > 0);
}

/** The backend's tools this session shows. */
export async function visibleTools(backend: ToolBackend, selection: ToolSelection): Promise<CatalogueTool[]> {
  return selectTools(await backend.listTools(), selection);
}
