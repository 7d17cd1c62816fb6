import { McpTool, pathParams, toolMappingIssues, type ToolReferenceResolver } from '@paca/plugin-sdk';
import type { IamService } from '../iam/iam-service.js';
import type { PolicySet } from '../iam/policy-set.js';
import type { RouteRecord } from '../http/router.js';
import { PluginToolNameTaken, PluginToolReferenceTaken } from '../plugins/plugin-errors.js';

/** A declared tool with the route it calls (D31). */
export interface CatalogueTool {
  /** `kernel` or the plugin id. */
  owner: string;
  tool: McpTool;
  route: RouteRecord;
}

/** Where a caller's tools are judged: one project, or "anywhere" (D31 without `project_id`). */
export interface ToolScope {
  policies: PolicySet;
  /** The project asked about, with its switched-off plugins; null = allowed in at least one project. */
  project: { id: string; disabled_plugins: readonly string[] } | null;
  /** Whether a plugin is loaded and switched on workspace-wide. */
  serving(owner: string): boolean;
}

/**
 * The MCP tool catalogue (D31): the kernel's tools and every loaded plugin's, one format, names
 * unique. `GET /api/v1/mcp/tools` lists what a caller may use; MCP transports read it.
 */
export class ToolCatalogue {
  private readonly tools = new Map<string, CatalogueTool>();
  private readonly references = new Map<string, { owner: string; resolver: ToolReferenceResolver }>();

  constructor(private readonly iam: IamService) {}

  /** Throws `PLUGIN_TOOL_NAME_TAKEN` on a duplicate name; `check` first to fail a plugin's load instead. */
  add(owner: string, tool: McpTool, route: RouteRecord): void {
    this.check(owner, tool, route);
    this.tools.set(tool.name, { owner, tool, route });
  }

  check(owner: string, tool: McpTool, route: RouteRecord): void {
    const existing = this.tools.get(tool.name);
    if (existing) throw PluginToolNameTaken({ plugin_id: owner, tool: tool.name, owner: existing.owner });
    const issues = toolMappingIssues(tool, pathParams(route.url));
    if (issues.length > 0) throw new TypeError(`tool ${tool.name}: ${issues.join('; ')}`);
  }

  /** Throws `PLUGIN_TOOL_REFERENCE_TAKEN` when another owner already resolves one of the arguments. */
  checkReferences(owner: string, resolver: ToolReferenceResolver): void {
    for (const arg of resolver.args) {
      const existing = this.references.get(arg);
      if (existing && existing.owner !== owner) throw PluginToolReferenceTaken({ plugin_id: owner, arg, owner: existing.owner });
    }
  }

  addReferences(owner: string, resolver: ToolReferenceResolver): void {
    this.checkReferences(owner, resolver);
    for (const arg of resolver.args) this.references.set(arg, { owner, resolver });
  }

  /** Who resolves a tool argument's non-UUID values (`taskId` → the tasks plugin), if anyone. */
  referenceFor(arg: string): { owner: string; resolver: ToolReferenceResolver } | undefined {
    return this.references.get(arg);
  }

  get(name: string): CatalogueTool | undefined {
    return this.tools.get(name);
  }

  all(): CatalogueTool[] {
    return [...this.tools.values()].sort((a, b) => a.tool.name.localeCompare(b.tool.name));
  }

  /** The tools a caller may use in the scope: the owner serves there and the route's action is allowed. */
  visible(scope: ToolScope): CatalogueTool[] {
    return this.all().filter((entry) => this.allowed(entry, scope));
  }

  private allowed({ owner, route }: CatalogueTool, scope: ToolScope): boolean {
    if (owner !== 'kernel' && !scope.serving(owner)) return false;
    if (route.access !== 'gated') return true;
    const params = Object.fromEntries(pathParams(route.url).map((p) => [p, '*']));
    const projectScoped = 'projectId' in params;
    const decide = (projectId: string) => this.iam.allows(scope.policies, route.action!, route.resource!({ ...params, ...(projectScoped ? { projectId } : {}) }));
    if (scope.project) {
      if (owner !== 'kernel' && scope.project.disabled_plugins.includes(owner)) return false;
      return decide(scope.project.id);
    }
    if (!projectScoped) return decide('*');
    // "Allowed in at least one project": a grant on every project, or on one the policies name.
    return ['*', ...this.iam.namedProjects(scope.policies)].some(decide);
  }
}

/** Parses the kernel's own tool declarations with the plugins' schema, so both share one format. */
export function declareTools(tools: unknown[]): McpTool[] {
  return tools.map((tool) => McpTool.parse(tool));
}

/** The wire shape of a tool (D31). */
export function toolView({ owner, tool, route }: CatalogueTool) {
  return {
    name: tool.name,
    title: tool.title,
    description: tool.description,
    input_schema: tool.input_schema,
    annotations: tool.annotations,
    toolset: tool.toolset ?? owner,
    owner,
    route: { name: tool.route, method: route.method, path: route.url },
    args: tool.args,
  };
}

