import { randomUUID } from 'node:crypto';
import { IncomingMessage } from 'node:http';
import { FastifyReply, FastifyRequest } from 'fastify';

const INCOMING_ID = /^[\w.:-]{1,64}$/;

/** Fastify's request id: a sane X-Request-Id from a proxy is kept, otherwise a new UUID. */
export function generateRequestId(req: IncomingMessage): string {
  const incoming = req.headers['x-request-id'];
  return typeof incoming === 'string' && INCOMING_ID.test(incoming) ? incoming : randomUUID();
}

/** onRequest hook: every response names its request id, so a client can quote it. */
export async function echoRequestId(request: FastifyRequest, reply: FastifyReply): Promise<void> {
  reply.header('x-request-id', request.id);
}
