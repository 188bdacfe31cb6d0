import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { startTestApp, TestApp } from '../utils/test-app';

const YAML_TEXT = readFileSync(join(__dirname, '../../docs/asyncapi.yaml'), 'utf8');
const EVENT_NAMES: string[] = Object.values<{ title: string }>(parseYaml(YAML_TEXT).operations).map(
  (operation) => operation.title,
);

/** The Socket.IO contract, served to readers of /docs: the document and a page rendered from it. */
describe('AsyncAPI document, served', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it.each([
    ['/asyncapi.yaml', 'application/yaml'],
    ['/asyncapi', 'text/html; charset=utf-8'],
  ])('serves %s to anyone, cacheable and revalidated by ETag', async (path, type) => {
    for (const token of [undefined, 'not-a-jwt']) {
      const res = await t.http.get(path, { token });
      expect({ status: res.status, type: res.headers.get('content-type') }).toEqual({
        status: 200,
        type,
      });
      expect(res.headers.get('cache-control')).toBe('public, max-age=300');
      expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
      const etag = res.headers.get('etag')!;
      expect(etag).toMatch(/^"[\w-]+"$/);
      const again = await t.http.get(path, { headers: { 'if-none-match': `W/${etag}` } });
      expect({ status: again.status, text: again.text }).toEqual({ status: 304, text: '' });
    }
  });

  it('serves the document in the repository, byte for byte', async () => {
    expect((await t.http.get('/asyncapi.yaml')).text).toBe(YAML_TEXT);
  });

  it('renders every event on a page that loads nothing and runs nothing', async () => {
    const page = (await t.http.get('/asyncapi')).text;
    expect(EVENT_NAMES).toEqual(expect.arrayContaining(['message:send', 'message:new']));
    for (const name of EVENT_NAMES) expect(page).toContain(`<code>${name}</code>`);
    expect(page).toContain('href="/asyncapi.yaml"');
    expect(page).toContain('href="/docs"');
    expect(page).not.toMatch(/<script|<link|<img|src=/i);
    // Example payloads are shown as JSON, escaped.
    expect(page).toContain('&quot;clientMessageId&quot;: &quot;6f1c2c1e');
  });

  it('stays out of the OpenAPI document, which links to it instead', async () => {
    const { paths, info } = (await t.http.get('/docs-json')).body;
    expect(Object.keys(paths).filter((path) => path.includes('asyncapi'))).toEqual([]);
    expect(info.description).toContain('](/asyncapi)');
  });
});
