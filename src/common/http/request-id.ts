import { randomUUID } from 'node:crypto';
import { IncomingMessage, ServerResponse } from 'node:http';
import { FastifyRequest } from 'fastify';

const INCOMING_ID = /^[\w.:-]{1,64}$/;

/** Honours a sane X-Request-Id from a proxy, otherwise mints one; echoes it on the response. */
export function generateRequestId(req: IncomingMessage, res: ServerResponse): string {
  const incoming = req.headers['x-request-id'];
  const id = typeof incoming === 'string' && INCOMING_ID.test(incoming) ? incoming : randomUUID();
  res.setHeader('x-request-id', id);
  return id;
}

export function requestIdOf(request: FastifyRequest): string {
  return (request.raw as { id?: string }).id ?? request.id;
}
