import { HttpStatus } from '@nestjs/common';
import { FastifyReply, FastifyRequest } from 'fastify';
import { describeError } from '../errors/describe-error';

/**
 * The multipart parser is registered for the whole server; only routes marked
 * `@RouteConfig({ multipart: true })` take such bodies, every other one answers 415.
 */
export async function rejectUnexpectedMultipart(
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<void> {
  const config = request.routeOptions.config as { multipart?: boolean };
  if (!request.isMultipart() || config.multipart) return;
  const { body } = describeError({
    statusCode: HttpStatus.UNSUPPORTED_MEDIA_TYPE,
    message: 'This route takes application/json',
  });
  await reply.status(body.statusCode).send(body);
}
