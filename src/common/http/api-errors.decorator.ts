import { applyDecorators } from '@nestjs/common';
import { STATUS_CODES } from 'node:http';
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
  503: 'Temporarily unavailable (the database is unreachable, or this instance is shutting down): retry after the number of seconds in the Retry-After header, another instance may answer at once',
};

/** One typical answer per status, so the docs do not show a validation error under every status. */
const EXAMPLES: Record<number, ErrorResponseDto> = {
  400: example(400, 'Bad Request', 'VALIDATION_FAILED', [
    'body must be shorter than or equal to 4000 characters',
  ]),
  401: example(401, 'Unauthorized', 'TOKEN_EXPIRED', 'The access token has expired; refresh it'),
  403: example(
    403,
    'Forbidden',
    'NOT_MESSAGE_SENDER',
    'Only the sender can change or delete a message',
  ),
  404: example(404, 'Not Found', 'CHAT_NOT_FOUND', 'Chat not found'),
  409: example(409, 'Conflict', 'USERNAME_TAKEN', 'This username is already taken'),
  413: example(413, 'Payload Too Large', 'PAYLOAD_TOO_LARGE', 'Request body is too large'),
  415: example(415, 'Unsupported Media Type', 'UNSUPPORTED_MEDIA_TYPE', 'Unsupported Media Type'),
  429: example(429, 'Too Many Requests', 'RATE_LIMITED', 'Too many requests; retry in 12 s'),
  503: example(
    503,
    'Service Unavailable',
    'SHUTTING_DOWN',
    'This instance is shutting down; retry',
  ),
};

function example(
  statusCode: number,
  error: string,
  code: string,
  message: string | string[],
): ErrorResponseDto {
  return { statusCode, error, code, message };
}

const HEADERS: Record<number, ResponseObject['headers']> = {
  429: {
    'Retry-After': {
      description: 'Seconds until the limit lets a request through again',
      schema: { type: 'integer', minimum: 1 },
    },
  },
  503: {
    'Retry-After': {
      description: 'Seconds to wait before retrying here',
      schema: { type: 'integer', minimum: 1 },
    },
  },
};

type ErrorStatus = keyof typeof DESCRIPTIONS;

/** An error answer that means something narrower on this route than its status does elsewhere. */
export interface ApiErrorCase {
  status: ErrorStatus;
  description: string;
  code: string;
  message: string;
}

/**
 * Documents the error answers of a route with the shared error schema: a status takes the shared
 * description and example, a case its own (login's 401 is wrong credentials, not a token problem).
 */
export function ApiErrors(
  ...answers: (ErrorStatus | ApiErrorCase)[]
): MethodDecorator & ClassDecorator {
  return applyDecorators(
    ...answers.map((answer) => {
      const { status, description } =
        typeof answer === 'number' ? { status: answer, description: DESCRIPTIONS[answer] } : answer;
      return ApiResponse({
        status,
        description,
        headers: HEADERS[status],
        type: ErrorResponseDto,
        // Without one, documentSharedErrors gives the status's example.
        example:
          typeof answer === 'number'
            ? undefined
            : example(status, STATUS_CODES[status]!, answer.code, answer.message),
      });
    }),
  );
}

/** Answered by Fastify before any route runs: a body over the size limit, or not JSON. */
const BODY_ERRORS = [413, 415];

/**
 * Completes the error answers no route declares itself, so none can leave them out: every
 * operation can be answered 503 (database away, instance draining), every JSON-body operation 413
 * and 415. Each error answer without an example of its own gets the one of its status.
 */
export function documentSharedErrors(document: OpenAPIObject): OpenAPIObject {
  for (const pathItem of Object.values(document.paths)) {
    for (const method of ['get', 'post', 'put', 'patch', 'delete'] as const) {
      const operation = pathItem[method];
      if (!operation) continue;
      const body = operation.requestBody;
      const takesJson = !!body && 'content' in body && !!body.content['application/json'];
      for (const status of [...(takesJson ? BODY_ERRORS : []), 503]) {
        operation.responses[status] ??= errorResponse(status);
      }
      for (const [status, response] of Object.entries(operation.responses)) {
        const content = (response as ResponseObject).content?.['application/json'];
        if (content && EXAMPLES[Number(status)]) content.example ??= EXAMPLES[Number(status)];
      }
    }
  }
  return document;
}

function errorResponse(status: number): ResponseObject {
  return {
    description: DESCRIPTIONS[status],
    headers: HEADERS[status],
    content: { 'application/json': { schema: { $ref: getSchemaPath(ErrorResponseDto) } } },
  };
}
