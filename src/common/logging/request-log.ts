import { IncomingMessage, OutgoingHttpHeaders } from 'node:http';
import { redactUrl } from './redact-url';

/** The raw request as it reaches the log: Fastify's client address (middie copies it) and the user. */
interface LoggedRequest extends IncomingMessage {
  ip?: string;
  userId?: number;
}

/** Names the user a request acted for in its log line, which is written from the raw request. */
export function noteRequestUser(request: { raw?: IncomingMessage }, userId: number): void {
  if (request.raw) (request.raw as LoggedRequest).userId = userId;
}

/**
 * One request log line holds what an operator looks for (who, what, how it ended, how long, how
 * big) and no headers: they are long, and they carry credentials.
 */
export const requestLogSerializers = {
  req: (req: {
    id: string;
    method: string;
    url: string;
    remoteAddress?: string;
    raw: LoggedRequest;
  }) => ({
    id: req.id,
    method: req.method,
    url: redactUrl(req.url),
    remoteAddress: req.raw.ip ?? req.remoteAddress,
  }),
  res: (res: { statusCode: number | null; headers?: OutgoingHttpHeaders }) => ({
    statusCode: res.statusCode,
    contentLength: contentLength(res.headers?.['content-length']),
  }),
};

/** pino-http's completion fields, plus the user once the guard has found one. */
export function withUser(req: IncomingMessage, fields: object): object {
  const { userId } = req as LoggedRequest;
  return userId === undefined ? fields : { ...fields, userId };
}

/** Health probes come every few seconds from the orchestrator and would drown the rest. */
export function isProbe(req: IncomingMessage & { originalUrl?: string }): boolean {
  return (req.originalUrl ?? req.url ?? '').startsWith('/health/');
}

function contentLength(value: OutgoingHttpHeaders[string]): number | undefined {
  const length = Number(value);
  return value === undefined || !Number.isSafeInteger(length) ? undefined : length;
}
