import { startTestApp, TestApp } from '../utils/test-app';

describe('HTTP basics', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ CORS_ORIGINS: 'https://app.example.com' });
  });
  afterAll(() => t.close());

  it('sends security headers', async () => {
    const res = await t.http.get('/health/live');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('x-frame-options')).toBe('SAMEORIGIN');
    expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(res.headers.get('strict-transport-security')).toBeTruthy();
  });

  it('gives every API response a request id, keeping a sane one from a proxy', async () => {
    const minted = await t.http.post('/api/v1/auth/login', { body: {} });
    expect(minted.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const kept = await t.http.post('/api/v1/auth/login', {
      body: {},
      headers: { 'x-request-id': 'edge-123' },
    });
    expect(kept.headers.get('x-request-id')).toBe('edge-123');
    const replaced = await t.http.post('/api/v1/auth/login', {
      body: {},
      headers: { 'x-request-id': 'bad id with spaces' },
    });
    expect(replaced.headers.get('x-request-id')).not.toBe('bad id with spaces');
  });

  it('allows only the configured origins', async () => {
    const preflight = (origin: string) =>
      t.http.request('OPTIONS', '/api/v1/users/me', {
        headers: {
          origin,
          'access-control-request-method': 'GET',
          'access-control-request-headers': 'authorization',
        },
      });
    const allowed = await preflight('https://app.example.com');
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
    const refused = await preflight('https://evil.example.com');
    expect(refused.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('answers / with a small page that leads to the docs, the events and the demo', async () => {
    const res = await t.http.get('/');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    for (const link of ['/docs', '/asyncapi', '/asyncapi.yaml']) {
      expect(res.text).toContain(`<a href="${link}">`);
    }
    expect(res.text).toContain('npm run demo');
    // Nothing the CSP (default-src 'self', no inline script) would block, nothing from elsewhere.
    expect(res.text).not.toMatch(/<script|<link|<img|src=|https?:\/\//);
    expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(res.text.length).toBeLessThan(2048);
    const { paths } = (await t.http.get('/docs-json')).body;
    expect(Object.keys(paths)).not.toContain('/');
  });

  it('answers unknown routes with the error shape', async () => {
    const res = await t.http.get('/api/v1/nothing-here');
    expect(res.status).toBe(404);
    expect(res.body).toEqual({
      statusCode: 404,
      error: 'Not Found',
      message: expect.any(String),
      code: 'NOT_FOUND',
    });
  });

  it('answers an unknown method on a known path without a 500', async () => {
    const res = await t.http.request('DELETE', '/api/v1/users/me');
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
  });
});
