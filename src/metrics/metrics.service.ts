import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/**
 * The app's Prometheus metrics, on a registry of its own (not prom-client's global one), so two app
 * instances in one process keep separate counts. Process metrics (memory, CPU, event-loop lag, GC)
 * come from prom-client's defaults.
 */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();

  readonly httpDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request duration by route and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });

  /**
   * Socket events answered since the last scrape, by event then result. Counted here and added to
   * socketEvents when it is collected: prom-client hashes the labels on every `inc`, once per message.
   */
  private readonly uncollectedSocketEvents = new Map<string, Map<string, number>>();

  readonly socketEvents = new Counter({
    name: 'socket_events_total',
    help: 'Socket events from clients, by event and result (ok or the error code)',
    labelNames: ['event', 'result'] as const,
    registers: [this.registry],
    collect: () => {
      for (const [event, results] of this.uncollectedSocketEvents) {
        for (const [result, count] of results) {
          results.delete(result);
          this.socketEvents.inc({ event, result }, count);
        }
      }
    },
  });

  /** Counts one answered event (`event` is a known route's name, `result` ok or an error code). */
  socketEvent(event: string, result: string): void {
    let results = this.uncollectedSocketEvents.get(event);
    if (!results) {
      results = new Map();
      this.uncollectedSocketEvents.set(event, results);
    }
    results.set(result, (results.get(result) ?? 0) + 1);
  }

  readonly sendToAck = new Histogram({
    name: 'message_send_ack_seconds',
    help: 'From a message:send arriving to its acknowledgement (after the commit)',
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
    registers: [this.registry],
  });

  readonly connectedSockets = new Gauge({
    name: 'socket_connections',
    help: 'Sockets connected to this instance',
    registers: [this.registry],
  });

  readonly databasePool = new Gauge({
    name: 'database_pool_connections',
    help: 'Database pool connections by state',
    labelNames: ['state'] as const,
    registers: [this.registry],
  });

  readonly webhookAttempts = new Counter({
    name: 'webhook_attempts_total',
    help: 'Webhook delivery attempts by verdict (succeeded, retry, gone, failed)',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });

  readonly webhookDeliverySeconds = new Histogram({
    name: 'webhook_delivery_seconds',
    help: 'From an event committing to its successful delivery, retries included',
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 3600],
    registers: [this.registry],
  });

  readonly pushNotifications = new Counter({
    name: 'push_notifications_total',
    help: 'Web Push requests by result (sent, expired: the subscription was removed, failed)',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }
}
