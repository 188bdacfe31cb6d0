import { redoclyFindings, spectralFindings } from '../utils/openapi-lint';
import { startTestApp, TestApp } from '../utils/test-app';

describe('OpenAPI document, linted', () => {
  let t: TestApp;
  let document: object;

  beforeAll(async () => {
    t = await startTestApp();
    const res = await t.http.get('/docs-json');
    expect(res.status).toBe(200);
    document = res.body;
  });
  afterAll(() => t.close());

  it('has no findings under Redocly', async () => {
    expect(await redoclyFindings(document)).toEqual([]);
  });

  it('has no findings under Spectral', async () => {
    expect(await spectralFindings(document)).toEqual([]);
  });
});
