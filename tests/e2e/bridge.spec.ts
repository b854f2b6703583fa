import { request as httpRequest } from 'node:http';
import { expect, test } from './fixtures.js';

/** The test bridge is loopback-only and token-guarded (issue 2): check that it refuses what it must. */
function call(url: string, path: string, options: { method?: string; headers?: Record<string, string>; body?: string } = {}) {
  const target = new URL(path, url);
  return new Promise<{ status: number; body: string; headers: Record<string, string | string[] | undefined> }>((resolve, reject) => {
    const req = httpRequest(target, { method: options.method ?? 'GET', headers: options.headers ?? {} }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

test('the bridge answers with the token and refuses a missing or wrong token, a foreign Host or Origin', async ({ bridge }) => {
  const rpc = { method: 'POST', body: '{}', headers: { 'content-type': 'application/json', 'x-bridge-token': bridge.token } };
  const ok = await call(bridge.url, '/rpc/recording.list', rpc);
  expect(ok.status).toBe(200);
  expect(JSON.parse(ok.body)).toEqual({ ok: true, value: [] });

  expect((await call(bridge.url, '/rpc/recording.list', { ...rpc, headers: { 'content-type': 'application/json' } })).status).toBe(403);
  expect((await call(bridge.url, '/rpc/recording.list', { ...rpc, headers: { ...rpc.headers, 'x-bridge-token': 'x'.repeat(48) } })).status).toBe(403);
  expect((await call(bridge.url, '/rpc/recording.list', { ...rpc, headers: { ...rpc.headers, host: 'evil.example:80' } })).status).toBe(403);
  expect((await call(bridge.url, '/rpc/recording.list', { ...rpc, headers: { ...rpc.headers, origin: 'http://evil.example' } })).status).toBe(403);
  expect((await call(bridge.url, '/', { headers: { host: 'rebound.example' } })).status).toBe(403);
  expect((await call(bridge.url, '/events?token=wrong')).status).toBe(403);
  expect((await call(bridge.url, '/upload', { method: 'POST', body: 'x' })).status).toBe(403);

  const unknown = await call(bridge.url, '/rpc/nothing.here', rpc);
  expect(JSON.parse(unknown.body)).toMatchObject({ ok: false, error: { code: 'contract.unknownOperation' } });

  const page = await call(bridge.url, '/');
  expect(page.status).toBe(200);
  expect(page.headers['content-security-policy']).toContain("script-src 'self'");
  expect(page.body).toContain('bridge-client.js?token=');
  expect(page.body).toContain("default-src 'self'");
  expect(page.body.indexOf('bridge-client.js')).toBeLessThan(page.body.indexOf('type="module"'));
  expect((await call(bridge.url, '/../../etc/passwd')).status).not.toBe(200);
});
