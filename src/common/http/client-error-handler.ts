import { STATUS_CODES } from 'node:http';
import { Socket } from 'node:net';

const ANSWERS: Record<string, { status: number; code: string; message: string }> = {
  ERR_HTTP_REQUEST_TIMEOUT: {
    status: 408,
    code: 'REQUEST_TIMEOUT',
    message: 'The request took too long to arrive',
  },
  HPE_HEADER_OVERFLOW: {
    status: 431,
    code: 'HEADERS_TOO_LARGE',
    message: 'The request line and headers are too large',
  },
};
const MALFORMED = {
  status: 400,
  code: 'MALFORMED_REQUEST',
  message: 'The request is not valid HTTP',
};

/**
 * Answers what Node's HTTP parser refuses before any route runs (a raw byte or a space in the URL,
 * a NUL in a header, oversized headers) in the API's error shape, as Fastify's default handler
 * does in its own.
 */
export function answerClientError(error: NodeJS.ErrnoException, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const { status, code, message } = ANSWERS[error.code ?? ''] ?? MALFORMED;
  const body = JSON.stringify({ statusCode: status, error: STATUS_CODES[status], message, code });
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
        `Content-Type: application/json; charset=utf-8\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(error);
}
