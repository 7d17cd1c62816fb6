import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FetchRefused, hostAllowed, isPrivateAddress, pluginFetch, type FetchOptions } from './http-fetch.js';

// http.fetch for WASM plugins (D23): allowed hosts only, private addresses refused on every hop,
// the checked address is the one connected to. A fake public name is mapped by the injectable
// resolver, and the injectable dialer takes its connections to a loopback test server.

const PUBLIC_ADDRESS = '93.184.216.34';
let server: Server;
let port: number;
const dialed: string[] = [];

beforeAll(async () => {
  server = createServer((request, response) => {
    if (request.url === '/hello') return void response.end(JSON.stringify({ hello: 'from the test server', host: request.headers.host }));
    if (request.url === '/to-private') return void response.writeHead(302, { location: 'http://10.1.2.3/secret' }).end();
    if (request.url === '/to-other-host') return void response.writeHead(302, { location: 'http://evil.example.test/' }).end();
    if (request.url === '/to-hello') return void response.writeHead(301, { location: '/hello' }).end();
    if (request.url === '/big') return void response.end('x'.repeat(10_000));
    response.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

function options(overrides: Partial<FetchOptions> = {}): FetchOptions {
  return {
    allowedHosts: ['api.example.test', '*.svc.example.test'],
    resolve: async (hostname) => (hostname.endsWith('example.test') ? [{ address: PUBLIC_ADDRESS, family: 4 }] : []),
    dial: ({ address }) => {
      dialed.push(address);
      return connect(port, '127.0.0.1');
    },
    ...overrides,
  };
}

async function refusal(promise: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(FetchRefused);
    return { code: (error as FetchRefused).code, message: (error as Error).message };
  }
  throw new Error('the fetch was not refused');
}

describe('pluginFetch', () => {
  it('fetches from an allowed name through the address it checked', async () => {
    dialed.length = 0;
    const response = await pluginFetch({ url: 'http://api.example.test/hello' }, options());
    expect(response.status).toBe(200);
    expect(JSON.parse(response.body)).toEqual({ hello: 'from the test server', host: 'api.example.test:80' });
    expect(dialed).toEqual([PUBLIC_ADDRESS]);
    expect((await pluginFetch({ url: 'http://a.svc.example.test/to-hello' }, options())).status).toBe(200);
  });

  it('refuses hosts the manifest does not name', async () => {
    expect(await refusal(pluginFetch({ url: 'http://other.test/hello' }, options()))).toMatchObject({ code: 'PLUGIN_HOST_NOT_ALLOWED' });
    expect(await refusal(pluginFetch({ url: 'http://svc.example.test/hello' }, options()))).toMatchObject({ code: 'PLUGIN_HOST_NOT_ALLOWED' });
    expect(await refusal(pluginFetch({ url: 'http://api.example.test/to-other-host' }, options()))).toMatchObject({ code: 'PLUGIN_HOST_NOT_ALLOWED' });
  });

  it('refuses private addresses: literal, resolved, and behind a redirect', async () => {
    expect(await refusal(pluginFetch({ url: `http://127.0.0.1:${port}/hello` }, options({ allowedHosts: ['127.0.0.1'] }))))
      .toMatchObject({ code: 'PLUGIN_HOST_NOT_ALLOWED', message: expect.stringContaining('private') });
    const toLoopback = options({ resolve: async () => [{ address: '127.0.0.1', family: 4 }] });
    expect(await refusal(pluginFetch({ url: 'http://api.example.test/hello' }, toLoopback))).toMatchObject({ code: 'PLUGIN_HOST_NOT_ALLOWED' });
    const mixed = options({ resolve: async () => [{ address: PUBLIC_ADDRESS, family: 4 }, { address: '::ffff:10.0.0.7', family: 6 }] });
    expect(await refusal(pluginFetch({ url: 'http://api.example.test/hello' }, mixed))).toMatchObject({ code: 'PLUGIN_HOST_NOT_ALLOWED' });
    expect(await refusal(pluginFetch({ url: 'http://api.example.test/to-private' }, options({ allowedHosts: ['api.example.test', '10.1.2.3'] }))))
      .toMatchObject({ code: 'PLUGIN_HOST_NOT_ALLOWED' });
  });

  it('checks a DNS answer that changes on every hop and connects only where it checked', async () => {
    let calls = 0;
    dialed.length = 0;
    const rebinding = options({
      resolve: async () => (calls++ === 0 ? [{ address: PUBLIC_ADDRESS, family: 4 }] : [{ address: '192.168.1.10', family: 4 }]),
    });
    // First hop: public, checked and pinned. The redirect's hop resolves again and now answers private.
    expect(await refusal(pluginFetch({ url: 'http://api.example.test/to-hello' }, rebinding))).toMatchObject({ code: 'PLUGIN_HOST_NOT_ALLOWED' });
    expect(dialed).toEqual([PUBLIC_ADDRESS]);
    expect(await refusal(pluginFetch({ url: 'http://api.example.test/hello' }, rebinding))).toMatchObject({ code: 'PLUGIN_HOST_NOT_ALLOWED' });
  });

  it('refuses bad URLs and oversized answers with their codes', async () => {
    expect(await refusal(pluginFetch({ url: 'file:///etc/passwd' }, options()))).toMatchObject({ code: 'VALIDATION_FAILED' });
    expect(await refusal(pluginFetch({ url: 'not a url' }, options()))).toMatchObject({ code: 'VALIDATION_FAILED' });
    expect(await refusal(pluginFetch({ url: 'http://user:pw@api.example.test/' }, options()))).toMatchObject({ code: 'VALIDATION_FAILED' });
    expect(await refusal(pluginFetch({ url: 'http://api.example.test/big' }, options({ maxResponseBytes: 1_000 })))).toMatchObject({ code: 'PLUGIN_OUTPUT_TOO_LARGE' });
  });

  it('knows private and special ranges of both families', () => {
    for (const address of ['127.0.0.1', '10.2.3.4', '172.20.0.1', '192.168.0.1', '169.254.169.254', '100.64.1.1', '0.0.0.0', '::1', 'fd00::1', 'fe80::1', '::ffff:127.0.0.1', 'nonsense']) {
      expect(isPrivateAddress(address), address).toBe(true);
    }
    for (const address of [PUBLIC_ADDRESS, '8.8.8.8', '2606:4700:4700::1111']) expect(isPrivateAddress(address), address).toBe(false);
    expect(hostAllowed('API.example.test.', ['api.example.test'])).toBe(true);
    expect(hostAllowed('deep.a.svc.example.test', ['*.svc.example.test'])).toBe(true);
    expect(hostAllowed('svc.example.test', ['*.svc.example.test'])).toBe(false);
  });
});
