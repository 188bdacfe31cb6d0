import { BadRequestException, NotFoundException } from '@nestjs/common';
import { RateLimitedError, ValidationFailedError } from './common-error';
import { describeError } from './describe-error';

describe('describeError', () => {
  it('lists validation problems', () => {
    expect(describeError(new ValidationFailedError(['a is bad', 'b is bad'])).body).toEqual({
      statusCode: 400,
      error: 'Bad Request',
      message: ['a is bad', 'b is bad'],
      code: 'VALIDATION_FAILED',
    });
  });

  it('adds Retry-After to rate-limit answers', () => {
    const described = describeError(new RateLimitedError(7));
    expect(described.body).toMatchObject({
      statusCode: 429,
      error: 'Too Many Requests',
      code: 'RATE_LIMITED',
    });
    expect(described.headers).toEqual({ 'retry-after': '7' });
  });

  it('keeps the status and message of framework HTTP errors', () => {
    expect(describeError(new NotFoundException('Cannot GET /nope')).body).toEqual({
      statusCode: 404,
      error: 'Not Found',
      message: 'Cannot GET /nope',
      code: 'NOT_FOUND',
    });
    expect(describeError(new BadRequestException()).body.code).toBe('BAD_REQUEST');
  });

  it('passes 4xx errors of Fastify plugins through', () => {
    const error = Object.assign(new Error('Request body is too large'), { statusCode: 413 });
    expect(describeError(error).body).toMatchObject({ statusCode: 413, code: 'PAYLOAD_TOO_LARGE' });
  });

  it('hides unexpected errors behind a generic 500 with the request id', () => {
    const described = describeError(new Error('connection string postgres://secret'), 'req-1');
    expect(described.unexpected).toBe(true);
    expect(described.body).toEqual({
      statusCode: 500,
      error: 'Internal Server Error',
      message: 'Internal server error',
      code: 'INTERNAL_ERROR',
      requestId: 'req-1',
    });
  });
});

describe('describeError for database errors', () => {
  it('answers 400 for text PostgreSQL cannot store', () => {
    const error = Object.assign(new Error('query failed'), { driverError: { code: '22021' } });
    expect(describeError(error).body).toMatchObject({ statusCode: 400, code: 'BAD_REQUEST' });
  });

  it('answers 503 with Retry-After while the database is unreachable', () => {
    const described = describeError(
      Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
    );
    expect(described.body).toMatchObject({ statusCode: 503, code: 'SERVICE_UNAVAILABLE' });
    expect(described.headers).toEqual({ 'retry-after': '5' });
    expect(describeError(new Error('Connection terminated unexpectedly')).body.statusCode).toBe(
      503,
    );
  });
});
