import { HttpException, HttpStatus } from '@nestjs/common';
import { STATUS_CODES } from 'node:http';
import { isDatabaseUnavailable, isUnstorableText } from '../../database/pg-errors';
import { DomainError } from './domain-error';
import { RateLimitedError, ValidationFailedError } from './common-error';

export interface ErrorBody {
  statusCode: number;
  error: string;
  message: string | string[];
  code: string;
  requestId?: string;
}

export interface DescribedError {
  body: ErrorBody;
  headers: Record<string, string>;
  /** True when the error is not the client's fault and must be logged. */
  unexpected: boolean;
}

const CODE_BY_STATUS: Partial<Record<number, string>> = {
  400: 'BAD_REQUEST',
  401: 'UNAUTHORIZED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  406: 'NOT_ACCEPTABLE',
  409: 'CONFLICT',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  429: 'RATE_LIMITED',
  503: 'SERVICE_UNAVAILABLE',
};

/** Turns anything thrown while handling a request into the public error shape of API.md. */
export function describeError(exception: unknown, requestId?: string): DescribedError {
  if (exception instanceof DomainError) {
    const message =
      exception instanceof ValidationFailedError ? exception.messages : exception.message;
    const headers: Record<string, string> =
      exception instanceof RateLimitedError
        ? { 'retry-after': String(exception.retryAfterSeconds) }
        : {};
    return { body: body(exception.status, exception.code, message), headers, unexpected: false };
  }
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    return described(status, httpExceptionMessage(exception), requestId);
  }
  const clientStatus = clientErrorStatus(exception);
  if (clientStatus) {
    return described(clientStatus, (exception as Error).message, requestId);
  }
  if (isUnstorableText(exception)) {
    return described(
      HttpStatus.BAD_REQUEST,
      'Text contains NUL characters or is too long',
      requestId,
    );
  }
  if (isDatabaseUnavailable(exception)) {
    const unavailable = described(
      HttpStatus.SERVICE_UNAVAILABLE,
      'The database is unavailable; retry shortly',
      requestId,
    );
    // An outage answers every request this way: the request log line and the readiness probe say
    // enough, a stack per request would bury everything else.
    return { ...unavailable, headers: { 'retry-after': '5' }, unexpected: false };
  }
  return described(HttpStatus.INTERNAL_SERVER_ERROR, 'Internal server error', requestId);
}

function described(status: number, message: string | string[], requestId?: string): DescribedError {
  const unexpected = status >= 500;
  const code = CODE_BY_STATUS[status] ?? (unexpected ? 'INTERNAL_ERROR' : 'BAD_REQUEST');
  const errorBody = body(status, code, message);
  if (unexpected && requestId) errorBody.requestId = requestId;
  return { body: errorBody, headers: {}, unexpected };
}

function body(status: number, code: string, message: string | string[]): ErrorBody {
  return { statusCode: status, error: STATUS_CODES[status] ?? 'Error', message, code };
}

function httpExceptionMessage(exception: HttpException): string | string[] {
  const response = exception.getResponse();
  if (typeof response === 'string') return response;
  const message = (response as { message?: unknown }).message;
  return typeof message === 'string' || Array.isArray(message)
    ? (message as string | string[])
    : exception.message;
}

/** Fastify and its plugins (body parser, multipart) throw errors that carry a 4xx statusCode. */
function clientErrorStatus(exception: unknown): number | null {
  const status = (exception as { statusCode?: unknown } | null)?.statusCode;
  return typeof status === 'number' && status >= 400 && status < 500 ? status : null;
}
