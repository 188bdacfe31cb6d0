import { applyDecorators } from '@nestjs/common';
import { ApiResponse, getSchemaPath, OpenAPIObject, ResponseObject } from '@nestjs/swagger';
import { ErrorResponseDto } from './error-response.dto';

const DESCRIPTIONS: Record<number, string> = {
  400: 'Invalid input: each problem is listed in `message`',
  401: 'Missing, invalid or expired access token',
  403: 'Authenticated but not allowed',
  404: 'Not found (or not visible to you)',
  409: 'Conflicts with the current state',
  413: 'Payload too large',
  415: 'Unsupported media type',
  429: 'Rate limited: retry after the number of seconds in the Retry-After header',
};

const HEADERS: Record<number, ResponseObject['headers']> = {
  429: {
    'Retry-After': {
      description: 'Seconds until the limit lets a request through again',
      schema: { type: 'integer', minimum: 1 },
    },
  },
};

/** Documents the error answers of a route with the shared error schema. */
export function ApiErrors(
  ...statuses: (keyof typeof DESCRIPTIONS)[]
): MethodDecorator & ClassDecorator {
  return applyDecorators(
    ...statuses.map((status) =>
      ApiResponse({
        status,
        description: DESCRIPTIONS[status],
        headers: HEADERS[status],
        type: ErrorResponseDto,
      }),
    ),
  );
}

/** Answered by Fastify before any route runs: a body over the size limit, or not JSON. */
const BODY_ERRORS = [413, 415];

/**
 * Adds the answers of Fastify's body parsing to every operation that takes a JSON body, so no
 * route can leave them out.
 */
export function documentJsonBodyErrors(document: OpenAPIObject): OpenAPIObject {
  for (const pathItem of Object.values(document.paths)) {
    for (const operation of [pathItem.post, pathItem.put, pathItem.patch, pathItem.delete]) {
      const body = operation?.requestBody;
      if (!body || !('content' in body) || !body.content['application/json']) continue;
      for (const status of BODY_ERRORS) {
        operation.responses[status] ??= {
          description: DESCRIPTIONS[status],
          content: {
            'application/json': { schema: { $ref: getSchemaPath(ErrorResponseDto) } },
          },
        };
      }
    }
  }
  return document;
}
