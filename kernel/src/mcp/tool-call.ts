import { PacaError, type McpTool, type PluginDb } from '@paca/plugin-sdk';
import type { Ajv, ValidateFunction } from 'ajv';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import type { Knex } from 'knex';
import type { Principal } from '../auth/principal.js';
import type { PolicySet } from '../iam/policy-set.js';
import type { IamService } from '../iam/iam-service.js';
import { isUuid } from '../http/schemas.js';
import { validationError } from '../http/validation.js';
import type { PluginRegistry } from '../plugins/plugin-registry.js';
import { McpProjectPinned, McpToolNotFound } from './mcp-errors.js';
import { resolveProjectReference } from './project-reference.js';
import type { CatalogueTool, ToolCatalogue } from './tool-catalogue.js';

/** An MCP content block, as `tools/call` returns them. */
export type ToolContent = { type: 'text'; text: string } | { type: 'image'; data: string; mimeType: string };

export interface ToolCallInput {
  db: Knex;
  principal: Principal | null;
  policies: PolicySet;
  /** The credential headers of the caller's own request, replayed on the route the tool maps to. */
  headers: Record<string, string>;
  name: string;
  args: Record<string, unknown>;
  /** The project an MCP session is pinned to (id, prefix or name): calls naming another are refused. */
  pinnedProject?: string | undefined;
}

export interface ToolCallDeps {
  catalogue: ToolCatalogue;
  registry: PluginRegistry;
  iam: IamService;
  ajv: Ajv;
  inject(options: InjectOptions): Promise<LightMyRequestResponse>;
}

const PROJECT_ARG = 'projectId';

/**
 * Runs one tool server-side (D31), the single implementation behind stdio and `/mcp`: checks the
 * arguments against the tool's schema (422 naming the argument), resolves `projectId` (id, prefix
 * or name) and the references plugins resolve (`PREFIX-N` task keys), applies the pin, maps the
 * arguments to the route's path, query and body, and calls the route in-process with the caller's
 * own credentials — so authentication, IAM, validation and transactions are the route's, once.
 */
export class ToolCaller {
  private readonly validators = new WeakMap<McpTool, ValidateFunction>();

  constructor(private readonly deps: ToolCallDeps) {}

  async call(input: ToolCallInput): Promise<{ content: ToolContent[] }> {
    const { catalogue, registry } = this.deps;
    await registry.refreshEnabled();
    const entry = catalogue.get(input.name);
    if (!entry || (entry.owner !== 'kernel' && !registry.isServing(entry.owner))) throw McpToolNotFound({ tool: input.name });
    const args: Record<string, unknown> = { ...input.args };
    const pinned = input.pinnedProject
      ? (await resolveProjectReference(input.db, this.deps.iam, input.principal, input.policies, input.pinnedProject)).project.id
      : null;
    const takesProject = Object.hasOwn((entry.tool.input_schema.properties ?? {}) as object, PROJECT_ARG);
    if (pinned && takesProject && args[PROJECT_ARG] === undefined) args[PROJECT_ARG] = pinned;
    // References first, so that a schema asking for a UUID accepts the key an agent wrote; values
    // of the wrong type are left alone for the schema to refuse.
    if (takesProject && typeof args[PROJECT_ARG] === 'string') {
      const { project } = await resolveProjectReference(input.db, this.deps.iam, input.principal, input.policies, args[PROJECT_ARG]);
      if (pinned && project.id !== pinned) throw McpProjectPinned({ pinned_project_id: pinned, project_id: project.id });
      args[PROJECT_ARG] = project.id;
      await this.resolveReferences(input.db, project.id, args);
    }
    this.validate(entry.tool, args);
    const response = await this.deps.inject(this.request(entry, args, input.headers));
    // The content only: its text is the route's data as JSON, so sending the data beside it would double every answer.
    return { content: toContent(routeData(response)) };
  }

  private validate(tool: McpTool, args: Record<string, unknown>): void {
    let validate = this.validators.get(tool);
    if (!validate) {
      validate = this.deps.ajv.compile(tool.input_schema);
      this.validators.set(tool, validate);
    }
    // Issues name the argument itself (`taskId`), which is what the agent wrote.
    if (!validate(args)) throw validationError(validate.errors ?? [], '');
  }

  /** Non-UUID values of arguments a plugin resolves (`taskId: "PACA-12"`) become ids; arrays item by item. */
  private async resolveReferences(db: Knex, projectId: string, args: Record<string, unknown>): Promise<void> {
    for (const [arg, value] of Object.entries(args)) {
      const reference = this.deps.catalogue.referenceFor(arg);
      if (!reference || !this.deps.registry.isServing(reference.owner)) continue;
      const resolve = async (item: unknown): Promise<unknown> => {
        if (typeof item !== 'string') return item;
        const text: string = item.trim();
        return isUuid(text) ? text : reference.resolver.resolve(db as unknown as PluginDb, { projectId, value: text });
      };
      args[arg] = Array.isArray(value) ? await Promise.all(value.map(resolve)) : await resolve(value);
    }
  }

  private request({ tool, route }: CatalogueTool, args: Record<string, unknown>, headers: Record<string, string>): InjectOptions {
    let url = route.url;
    const query: Record<string, string | string[]> = {};
    let body: Record<string, unknown> | undefined;
    for (const [arg, value] of Object.entries(args)) {
      const mapping = tool.args[arg];
      if (!mapping || value === undefined) continue;
      if (mapping.in === 'path') url = url.replace(`:${mapping.name}`, encodeURIComponent(String(value)));
      else if (mapping.in === 'query') query[mapping.name] = Array.isArray(value) ? value.map(String) : queryText(value);
      else (body ??= {})[mapping.name] = value;
    }
    const hasBody = route.method !== 'GET' && route.method !== 'DELETE';
    return {
      method: route.method, url, query,
      headers: { ...headers, ...(hasBody ? { 'content-type': 'application/json' } : {}) },
      ...(hasBody ? { payload: JSON.stringify(body ?? {}) } : {}),
    };
  }
}

const queryText = (value: unknown): string => (typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value));

/** The route's data, or its error re-thrown as the same coded error (status, code, message, details). */
function routeData(response: LightMyRequestResponse): unknown {
  if (response.statusCode === 204 || !response.body) return null;
  let envelope: { success?: boolean; data?: unknown; error_code?: string; error?: string; error_details?: Record<string, unknown> };
  try {
    envelope = JSON.parse(response.body);
  } catch {
    throw new PacaError('INTERNAL_ERROR', 500, `the tool's route answered ${response.statusCode} without a JSON body`);
  }
  if (response.statusCode < 400 && envelope.success !== false) return envelope.data ?? null;
  throw new PacaError(envelope.error_code ?? 'INTERNAL_ERROR', response.statusCode, envelope.error ?? 'the tool failed', envelope.error_details);
}

/**
 * MCP content for a route's data: compact JSON text (it is what an agent reads), except the
 * inline-file shapes routes return for agents — `{kind: 'image', content_type, data_base64}` is an
 * image block, `{kind: 'text', text}` the text itself.
 */
export function toContent(data: unknown): ToolContent[] {
  if (data === null || data === undefined) return [{ type: 'text', text: 'OK' }];
  const file = data as { kind?: unknown; content_type?: unknown; data_base64?: unknown; text?: unknown };
  if (file.kind === 'image' && typeof file.data_base64 === 'string' && typeof file.content_type === 'string') {
    return [{ type: 'image', data: file.data_base64, mimeType: file.content_type }];
  }
  if (file.kind === 'text' && typeof file.text === 'string') return [{ type: 'text', text: file.text }];
  return [{ type: 'text', text: JSON.stringify(data) }];
}
