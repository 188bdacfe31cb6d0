import Ajv2020, { ErrorObject, ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import type { Middleware } from 'openapi-fetch';

type Json = Record<string, any>;

const COMPONENTS_ID = 'https://openapi.invalid/components.json';
const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

/**
 * Checks live traffic against an OpenAPI 3.0 document: every request (parameters, body) and every
 * response (status, content type, body) of an openapi-fetch client. Schemas are compiled with ajv
 * (JSON Schema 2020-12): `nullable` becomes `null` in an `anyOf`, component `$ref`s resolve, formats
 * come from ajv-formats. An object schema that lists its properties admits no others, so a field the
 * server sends but the document leaves out is a violation too: the document must be exact.
 */
export class OpenApiContract {
  readonly violations: string[] = [];
  /** `METHOD /path/template STATUS` of every answer checked. */
  readonly seen = new Set<string>();
  private readonly ajv = new Ajv2020({ allErrors: true, strict: true, strictTypes: false });
  private readonly validators = new Map<string, ValidateFunction>();

  constructor(private readonly document: Json) {
    addFormats(this.ajv);
    this.ajv.addKeyword('example');
    const schemas = Object.fromEntries(
      Object.entries<Json>(document.components?.schemas ?? {}).map(([name, schema]) => [
        name,
        toJsonSchema(schema),
      ]),
    );
    this.ajv.addSchema({ $id: COMPONENTS_ID, $defs: schemas });
  }

  /** An openapi-fetch middleware that records every violation (it never alters the exchange). */
  readonly middleware: Middleware = {
    onRequest: async ({ request, schemaPath, params }) => {
      const label = `${request.method} ${schemaPath}`;
      const operation = this.operation(schemaPath, request.method);
      if (!operation) {
        this.violations.push(`${label}: not in the document`);
        return;
      }
      const pathParameters: Json[] = this.document.paths[schemaPath].parameters ?? [];
      this.checkParameters(label, [...pathParameters, ...(operation.parameters ?? [])], params);
      const text = request.body ? await request.clone().text() : '';
      const body: Json | undefined = operation.requestBody;
      if (!text) {
        if (body?.required) this.violations.push(`${label}: the document requires a body`);
        return;
      }
      const mediaType = contentType(request.headers);
      const schema = body?.content?.[mediaType]?.schema;
      if (schema) this.checkJson(`${label} request body`, `${label} ${mediaType}`, schema, text);
      else this.violations.push(`${label}: the document takes no ${mediaType} body`);
    },
    onResponse: async ({ request, response, schemaPath }) => {
      const label = `${request.method} ${schemaPath} → ${response.status}`;
      this.seen.add(`${request.method} ${schemaPath} ${response.status}`);
      const responses: Json = this.operation(schemaPath, request.method)?.responses ?? {};
      const documented =
        responses[response.status] ??
        responses[`${String(response.status)[0]}XX`] ??
        responses.default;
      if (!documented) {
        const statuses = Object.keys(responses).join(', ') || 'none';
        this.violations.push(`${label}: status not documented (documented: ${statuses})`);
        return;
      }
      const text = await response.clone().text();
      const content: Json | undefined = documented.content;
      if (!text) {
        if (content && Object.keys(content).length > 0) {
          this.violations.push(`${label}: empty body, the document promises ${keys(content)}`);
        }
        return;
      }
      const mediaType = contentType(response.headers);
      const schema = content?.[mediaType]?.schema;
      if (schema) {
        this.checkJson(`${label} body`, `${label} ${mediaType}`, schema, text);
      } else {
        const promised = content ? keys(content) : 'no body';
        this.violations.push(`${label}: ${mediaType} body, documented: ${promised}`);
      }
    },
  };

  private operation(schemaPath: string, method: string): Json | undefined {
    const pathItem: Json | undefined = this.document.paths?.[schemaPath];
    const key = method.toLowerCase();
    return HTTP_METHODS.includes(key) ? pathItem?.[key] : undefined;
  }

  private checkParameters(label: string, documented: Json[], given: Record<string, any>): void {
    for (const place of ['path', 'query', 'header', 'cookie']) {
      const values: Record<string, unknown> = given[place] ?? {};
      for (const parameter of documented.filter((p) => p.in === place)) {
        const value = values[parameter.name];
        if (value === undefined) {
          if (parameter.required) {
            this.violations.push(`${label}: required ${place} parameter ${parameter.name} missing`);
          }
          continue;
        }
        const key = `${label} ${place} ${parameter.name}`;
        this.check(`${label} ${place} parameter ${parameter.name}`, key, parameter.schema, value);
      }
      for (const name of Object.keys(values)) {
        if (!documented.some((p) => p.in === place && p.name === name)) {
          this.violations.push(`${label}: ${place} parameter ${name} is not documented`);
        }
      }
    }
  }

  private checkJson(what: string, key: string, schema: Json, text: string): void {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      this.violations.push(`${what}: not JSON: ${text.slice(0, 200)}`);
      return;
    }
    this.check(what, key, schema, value);
  }

  private check(what: string, key: string, schema: Json, value: unknown): void {
    let validate = this.validators.get(key);
    if (!validate) {
      validate = this.ajv.compile(toJsonSchema(schema));
      this.validators.set(key, validate);
    }
    if (validate(value)) return;
    const problems = [...new Set((validate.errors ?? []).map(describe))].join('; ');
    this.violations.push(`${what} does not match the document: ${problems} in ${excerpt(value)}`);
  }
}

/** An OpenAPI 3.0 schema object as JSON Schema 2020-12 (component refs point at the shared $defs). */
export function toJsonSchema(schema: Json): Json {
  if (Array.isArray(schema)) return schema.map((item) => toJsonSchema(item));
  if (!schema || typeof schema !== 'object') return schema;
  const { nullable, ...rest } = schema;
  const converted: Json = {};
  for (const [keyword, value] of Object.entries(rest)) {
    if (keyword === '$ref' && typeof value === 'string') {
      converted.$ref = value.replace('#/components/schemas/', `${COMPONENTS_ID}#/$defs/`);
    } else if (keyword === 'properties') {
      converted.properties = Object.fromEntries(
        Object.entries<Json>(value).map(([name, property]) => [name, toJsonSchema(property)]),
      );
    } else if (
      ['items', 'not', 'additionalProperties', 'allOf', 'anyOf', 'oneOf'].includes(keyword)
    ) {
      converted[keyword] = toJsonSchema(value);
    } else {
      converted[keyword] = value;
    }
  }
  if (converted.properties && converted.additionalProperties === undefined) {
    converted.unevaluatedProperties = false;
  }
  return nullable === true ? { anyOf: [{ type: 'null' }, converted] } : converted;
}

function contentType(headers: Headers): string {
  return (headers.get('content-type') ?? '').split(';')[0].trim().toLowerCase();
}

function keys(content: Json): string {
  return Object.keys(content).join(', ');
}

function describe(error: ErrorObject): string {
  const where = error.instancePath || '(root)';
  const extra = error.params.unevaluatedProperty ?? error.params.additionalProperty;
  return `${where} ${error.message}${extra ? ` (${extra})` : ''}`;
}

function excerpt(value: unknown): string {
  const text = JSON.stringify(value);
  return text.length > 400 ? `${text.slice(0, 400)}…` : text;
}
