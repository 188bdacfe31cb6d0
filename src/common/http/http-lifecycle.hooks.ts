import { HttpStatus } from '@nestjs/common';
import { FastifyInstance, FastifyRequest } from 'fastify';
import { MetricsService } from '../../metrics/metrics.service';
import { ShutdownState } from '../lifecycle/shutdown-state';

/**
 * Every request is counted (so shutdown can wait for those in flight) and timed; while the instance
 * drains, new requests get 503 and are sent elsewhere.
 */
export function registerHttpLifecycleHooks(
  fastify: FastifyInstance,
  shutdown: ShutdownState,
  metrics: MetricsService,
): void {
  const inFlight = new WeakSet<FastifyRequest>();
  const finish = (request: FastifyRequest): boolean => {
    if (!inFlight.delete(request)) return false;
    shutdown.requestFinished();
    return true;
  };

  fastify.addHook('onRequest', async (request, reply) => {
    if (shutdown.shuttingDown) {
      await reply
        .status(HttpStatus.SERVICE_UNAVAILABLE)
        .header('connection', 'close')
        .header('retry-after', '1')
        .send({
          statusCode: HttpStatus.SERVICE_UNAVAILABLE,
          error: 'Service Unavailable',
          message: 'This instance is shutting down; retry',
          code: 'SHUTTING_DOWN',
        });
      return;
    }
    inFlight.add(request);
    shutdown.requestStarted();
  });
  fastify.addHook('onResponse', async (request, reply) => {
    if (!finish(request)) return;
    metrics.httpDuration.observe(
      {
        method: request.method,
        route: request.routeOptions.url ?? 'unmatched',
        status: String(reply.statusCode),
      },
      reply.elapsedTime / 1000,
    );
  });
  fastify.addHook('onRequestAbort', async (request) => {
    finish(request);
  });
}
