/** The `paca-mcp` settings, from the environment. */
export interface StdioConfig {
  apiUrl: string;
  apiKey: string;
  /** `PACA_PROJECT_ID`: id, task ID prefix or name. */
  pinnedProject: string | null;
  /** `PACA_AGENT_ID`: the key must be this agent's. */
  agentId: string | null;
  toolsets: string[] | null;
  readOnly: boolean;
  /** 0 = no polling. */
  toolsPollMs: number;
}

/** A setting that cannot work: `paca-mcp` prints it on one line and exits with code 2. */
export class StdioConfigError extends Error {
  override readonly name = 'StdioConfigError';
}

export const DEFAULT_API_URL = 'http://localhost:8080';
export const DEFAULT_TOOLS_POLL_MS = 30_000;

export function readStdioConfig(env: Record<string, string | undefined>): StdioConfig {
  const text = (name: string) => {
    const value = env[name]?.trim();
    return value ? value : null;
  };
  const apiKey = text('PACA_API_KEY');
  if (!apiKey) throw new StdioConfigError('PACA_API_KEY is required: create an API key in Paca (Profile → API keys) or use an agent key');
  const apiUrl = text('PACA_API_URL') ?? DEFAULT_API_URL;
  let parsed: URL;
  try {
    parsed = new URL(apiUrl);
  } catch {
    throw new StdioConfigError(`PACA_API_URL is not a URL: ${apiUrl}`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new StdioConfigError(`PACA_API_URL must be http or https: ${apiUrl}`);
  const toolsets = text('PACA_TOOLSETS')?.split(',').map((name) => name.trim()).filter(Boolean) ?? [];
  return {
    apiUrl: apiUrl.replace(/\/+$/, ''),
    apiKey,
    pinnedProject: text('PACA_PROJECT_ID'),
    agentId: text('PACA_AGENT_ID'),
    toolsets: toolsets.length > 0 ? toolsets : null,
    readOnly: flag('PACA_READ_ONLY', text('PACA_READ_ONLY')),
    toolsPollMs: pollMs(text('PACA_TOOLS_POLL_MS')),
  };
}

function flag(name: string, value: string | null): boolean {
  if (value === null) return false;
  const lower = value.toLowerCase();
  if (lower === '1' || lower === 'true' || lower === 'yes') return true;
  if (lower === '0' || lower === 'false' || lower === 'no') return false;
  throw new StdioConfigError(`${name} must be 1/true or 0/false, not "${value}"`);
}

function pollMs(value: string | null): number {
  if (value === null) return DEFAULT_TOOLS_POLL_MS;
  if (!/^\d+$/.test(value)) throw new StdioConfigError(`PACA_TOOLS_POLL_MS must be a whole number of milliseconds (0 disables polling), not "${value}"`);
  const ms = Number(value);
  // Below a second the poll would be load, not a fallback.
  if (ms !== 0 && ms < 1_000) throw new StdioConfigError(`PACA_TOOLS_POLL_MS must be 0 or at least 1000, not ${ms}`);
  return ms;
}
