import { STATUS_CODES } from 'node:http';
import { HttpResponse } from './http-client';

/** The project's error shape: `{ statusCode, error, message, code }`, as JSON. */
export function expectError(res: HttpResponse, status: number, code?: string): void {
  expect({ status: res.status, body: res.body }).toEqual({
    status,
    body: {
      statusCode: status,
      error: STATUS_CODES[status],
      message: expect.anything(),
      code: code ?? expect.any(String),
    },
  });
  expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  expect(errorMessages(res).every((m) => typeof m === 'string' && m.length > 0)).toBe(true);
}

/** The messages of an error answer as one list, whether the server sent a string or a list. */
export function errorMessages(res: HttpResponse): string[] {
  const { message } = res.body as { message: string | string[] };
  return Array.isArray(message) ? message : [message];
}
