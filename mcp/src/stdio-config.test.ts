import { describe, expect, it } from 'vitest';
import { DEFAULT_TOOLS_POLL_MS, readStdioConfig, StdioConfigError } from './stdio-config.js';

describe('readStdioConfig', () => {
  it('has defaults for everything but the key', () => {
    expect(readStdioConfig({ PACA_API_KEY: 'paca_abc' })).toEqual({
      apiUrl: 'http://localhost:8080', apiKey: 'paca_abc', pinnedProject: null, agentId: null,
      toolsets: null, readOnly: false, toolsPollMs: DEFAULT_TOOLS_POLL_MS,
    });
  });

  it('reads every setting, trimming lists and the URL’s trailing slash', () => {
    expect(readStdioConfig({
      PACA_API_KEY: ' paca_abc ', PACA_API_URL: 'https://paca.example/base/', PACA_PROJECT_ID: 'PACA', PACA_AGENT_ID: 'a1',
      PACA_TOOLSETS: ' tasks, docs ,,', PACA_READ_ONLY: 'TRUE', PACA_TOOLS_POLL_MS: '0',
    })).toEqual({
      apiUrl: 'https://paca.example/base', apiKey: 'paca_abc', pinnedProject: 'PACA', agentId: 'a1',
      toolsets: ['tasks', 'docs'], readOnly: true, toolsPollMs: 0,
    });
    expect(readStdioConfig({ PACA_API_KEY: 'k', PACA_READ_ONLY: '1', PACA_TOOLSETS: ' , ' })).toMatchObject({ readOnly: true, toolsets: null });
    expect(readStdioConfig({ PACA_API_KEY: 'k', PACA_READ_ONLY: 'false', PACA_PROJECT_ID: '  ' })).toMatchObject({ readOnly: false, pinnedProject: null });
  });

  it('refuses settings that cannot work, naming the variable', () => {
    const refusals: Array<[Record<string, string>, RegExp]> = [
      [{}, /^PACA_API_KEY is required/],
      [{ PACA_API_KEY: '   ' }, /^PACA_API_KEY is required/],
      [{ PACA_API_KEY: 'k', PACA_API_URL: 'localhost:8080/x' }, /^PACA_API_URL must be http or https/],
      [{ PACA_API_KEY: 'k', PACA_API_URL: 'not a url' }, /^PACA_API_URL is not a URL/],
      [{ PACA_API_KEY: 'k', PACA_READ_ONLY: 'sometimes' }, /^PACA_READ_ONLY must be/],
      [{ PACA_API_KEY: 'k', PACA_TOOLS_POLL_MS: '-5' }, /^PACA_TOOLS_POLL_MS must be a whole number/],
      [{ PACA_API_KEY: 'k', PACA_TOOLS_POLL_MS: '10' }, /^PACA_TOOLS_POLL_MS must be 0 or at least 1000/],
    ];
    for (const [env, message] of refusals) {
      let thrown: unknown;
      try {
        readStdioConfig(env);
      } catch (error) {
        thrown = error;
      }
      expect(thrown, JSON.stringify(env)).toBeInstanceOf(StdioConfigError);
      expect((thrown as Error).message).toMatch(message);
    }
  });
});
