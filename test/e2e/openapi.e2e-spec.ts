import SwaggerParser from '@apidevtools/swagger-parser';
import { startTestApp, TestApp } from '../utils/test-app';

type Operation = {
  summary?: string;
  security?: Record<string, string[]>[];
  responses: Record<string, { content?: Record<string, { schema?: { $ref?: string } }> }>;
};

const PUBLIC_OPERATIONS = [
  'post /api/v1/auth/register',
  'post /api/v1/auth/login',
  'post /api/v1/auth/refresh',
  'get /health/live',
  'get /health/ready',
];

const EXPECTED_OPERATIONS = [
  ...PUBLIC_OPERATIONS,
  'post /api/v1/auth/logout',
  'get /api/v1/users/me',
  'patch /api/v1/users/me',
  'put /api/v1/users/me/avatar',
  'get /api/v1/users/{userId}/avatar',
  'get /api/v1/users',
  'get /api/v1/users/{userId}',
];

describe('OpenAPI document', () => {
  let t: TestApp;
  let document: any;

  beforeAll(async () => {
    t = await startTestApp();
    const res = await t.http.get('/docs-json');
    expect(res.status).toBe(200);
    document = res.body;
  });
  afterAll(() => t.close());

  const operations = (): [string, Operation][] =>
    Object.entries(document.paths as Record<string, Record<string, Operation>>).flatMap(
      ([path, methods]) =>
        Object.entries(methods).map(
          ([method, operation]) => [`${method} ${path}`, operation] as [string, Operation],
        ),
    );

  it('is a valid OpenAPI 3 document', async () => {
    expect(document.openapi).toMatch(/^3\./);
    await expect(SwaggerParser.validate(structuredClone(document))).resolves.toBeDefined();
  });

  it('lists every route', () => {
    expect(operations().map(([key]) => key)).toEqual(expect.arrayContaining(EXPECTED_OPERATIONS));
  });

  it('gives every operation a summary and a success response', () => {
    for (const [key, operation] of operations()) {
      expect({ key, summary: operation.summary }).toEqual({ key, summary: expect.any(String) });
      expect({
        key,
        success: Object.keys(operation.responses).some((status) => /^2\d\d$/.test(status)),
      }).toEqual({
        key,
        success: true,
      });
    }
  });

  it('declares bearer auth and a 401 answer on every route that needs a token', () => {
    expect(document.components.securitySchemes.bearer).toMatchObject({
      type: 'http',
      scheme: 'bearer',
    });
    for (const [key, operation] of operations()) {
      if (PUBLIC_OPERATIONS.includes(key)) continue;
      expect({ key, security: operation.security }).toEqual({ key, security: [{ bearer: [] }] });
      expect({ key, has401: '401' in operation.responses }).toEqual({ key, has401: true });
    }
  });

  it('documents error answers with the shared error schema', () => {
    for (const [key, operation] of operations()) {
      for (const [status, response] of Object.entries(operation.responses)) {
        if (!/^[45]\d\d$/.test(status)) continue;
        expect({ key, status, ref: response.content?.['application/json']?.schema?.$ref }).toEqual({
          key,
          status,
          ref: '#/components/schemas/ErrorResponseDto',
        });
      }
    }
  });

  it('has examples on request and response bodies', () => {
    const { RegisterDto, AuthResponseDto, UserResponseDto } = document.components.schemas;
    for (const schema of [RegisterDto, AuthResponseDto, UserResponseDto]) {
      for (const [name, property] of Object.entries<any>(schema.properties)) {
        if (property.$ref || property.allOf) continue;
        expect({ name, example: property.example }).toEqual({ name, example: expect.anything() });
      }
    }
  });

  it('serves Swagger UI at /docs', async () => {
    const res = await t.http.get('/docs');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/html');
    expect(res.text).toContain('swagger-ui');
  });
});
