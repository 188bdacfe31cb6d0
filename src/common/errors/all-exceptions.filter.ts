import { ArgumentsHost, Catch, ExceptionFilter, Logger } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { FastifyReply, FastifyRequest } from 'fastify';
import { describeError } from './describe-error';

@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger('ExceptionsFilter');

  constructor(private readonly adapterHost: HttpAdapterHost) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'http') throw exception;
    const http = host.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    const requestId = request.id;
    const { body, headers, unexpected } = describeError(exception, requestId);
    if (unexpected) {
      this.logger.error({ err: exception, requestId }, 'Unhandled error while serving a request');
    }
    for (const [name, value] of Object.entries(headers)) reply.header(name, value);
    this.adapterHost.httpAdapter.reply(reply, body, body.statusCode);
  }
}
