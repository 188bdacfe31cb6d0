import { Injectable } from '@nestjs/common';
import { TransactionHost } from '../database/transaction-host';
import { JOB_QUEUE_SCHEMA } from './job-queue-schema';
import { DeliveryStatus, WebhookDelivery } from './entities/webhook-delivery.entity';
import { WebhookEndpoint } from './entities/webhook-endpoint.entity';
import { OutgoingEvent } from './webhook-events';

export type NewEndpoint = Pick<WebhookEndpoint, 'url' | 'events' | 'secret'>;
export type EndpointChange = Partial<Pick<WebhookEndpoint, 'url' | 'events' | 'enabled'>>;

/** A delivery with what an attempt needs: where to, the secret, and the event. */
export interface DeliveryAttempt {
  delivery: WebhookDelivery;
  endpoint: Pick<WebhookEndpoint, 'id' | 'url' | 'secret' | 'enabled'>;
  event: { id: string; type: string; createdAt: Date; data: object };
}

/** Keeps the replicas' sweeps of orphaned deliveries apart: pg_try_advisory_xact_lock(SWEEP). */
const SWEEP_LOCK = 0x7377656570;

/** A pending delivery, with the attempts it has made. */
export interface DueDelivery {
  id: number;
  endpointId: number;
  attempts: number;
}

/** What an attempt changes on its delivery, read when it had made `attempts` attempts. */
export interface AttemptRecord {
  deliveryId: number;
  attempts: number;
  status: DeliveryStatus;
  statusCode: number | null;
  error: string | null;
  nextAttemptAt: Date | null;
}

interface DeliveryRow {
  id: number;
  endpoint_id: number;
  event_id: string;
  status: DeliveryStatus;
  attempts: number;
  last_status_code: number | null;
  last_error: string | null;
  last_attempt_at: Date | null;
  next_attempt_at: Date | null;
  delivered_at: Date | null;
  created_at: Date;
  event_type?: string;
}

export type DeliveryView = WebhookDelivery & { eventType: string };

function toDelivery(row: DeliveryRow): WebhookDelivery {
  return {
    id: row.id,
    endpointId: row.endpoint_id,
    eventId: row.event_id,
    status: row.status,
    attempts: row.attempts,
    lastStatusCode: row.last_status_code,
    lastError: row.last_error,
    lastAttemptAt: row.last_attempt_at,
    nextAttemptAt: row.next_attempt_at,
    deliveredAt: row.delivered_at,
    createdAt: row.created_at,
  };
}

const DELIVERY_COLUMNS = `d.id, d.endpoint_id, d.event_id, d.status, d.attempts, d.last_status_code,
  d.last_error, d.last_attempt_at, d.next_attempt_at, d.delivered_at, d.created_at, e.type AS event_type`;

/** The only code that touches the webhook tables; it joins the ambient transaction. */
@Injectable()
export class WebhooksRepository {
  constructor(private readonly db: TransactionHost) {}

  private get manager() {
    return this.db.manager;
  }

  createEndpoint(endpoint: NewEndpoint): Promise<WebhookEndpoint> {
    const entity = this.manager.create(WebhookEndpoint, endpoint);
    return this.manager.save(entity);
  }

  listEndpoints(): Promise<WebhookEndpoint[]> {
    return this.manager.find(WebhookEndpoint, { order: { id: 'ASC' } });
  }

  findEndpoint(id: number): Promise<WebhookEndpoint | null> {
    return this.manager.findOneBy(WebhookEndpoint, { id });
  }

  async updateEndpoint(id: number, given: EndpointChange): Promise<WebhookEndpoint | null> {
    // A DTO holds its absent fields as own properties set to undefined.
    const change = Object.fromEntries(
      Object.entries(given).filter(([, value]) => value !== undefined),
    ) as EndpointChange;
    if (Object.keys(change).length > 0) {
      const reenabled =
        change.enabled === true ? { consecutiveFailures: 0, disabledReason: null } : {};
      const disabled =
        change.enabled === false ? { disabledReason: 'disabled by the operator' } : {};
      await this.manager.update(WebhookEndpoint, { id }, { ...change, ...reenabled, ...disabled });
    }
    return this.findEndpoint(id);
  }

  async deleteEndpoint(id: number): Promise<boolean> {
    const result = await this.manager.delete(WebhookEndpoint, { id });
    return (result.affected ?? 0) > 0;
  }

  async hasEnabledEndpoints(): Promise<boolean> {
    const rows: { exists: boolean }[] = await this.manager.query(
      'SELECT EXISTS (SELECT 1 FROM webhook_endpoints WHERE enabled) AS exists',
    );
    return rows[0].exists;
  }

  /** Endpoints that take new events, with what they subscribed to. */
  enabledEndpoints(): Promise<Pick<WebhookEndpoint, 'id' | 'events'>[]> {
    return this.manager.query('SELECT id, events FROM webhook_endpoints WHERE enabled');
  }

  /**
   * Stores the events and a pending delivery of each to each of its endpoints, once: written again
   * (the job that fans them out ran twice), nothing changes. Answers the deliveries new this time.
   */
  async insertDeliveries(
    events: OutgoingEvent[],
    deliveries: { endpointId: number; eventId: string }[],
  ): Promise<{ id: number; endpointId: number }[]> {
    if (deliveries.length === 0) return [];
    await this.manager.query(
      `INSERT INTO webhook_events (id, type, created_at, data)
       SELECT * FROM unnest($1::uuid[], $2::text[], $3::timestamptz[], $4::jsonb[])
       ON CONFLICT (id) DO NOTHING`,
      [
        events.map((event) => event.id),
        events.map((event) => event.type),
        events.map((event) => event.createdAt),
        events.map((event) => JSON.stringify(event.data)),
      ],
    );
    return this.manager.query(
      `INSERT INTO webhook_deliveries (endpoint_id, event_id)
       SELECT * FROM unnest($1::int[], $2::uuid[])
       ON CONFLICT (endpoint_id, event_id) DO NOTHING
       RETURNING id, endpoint_id AS "endpointId"`,
      [deliveries.map((d) => d.endpointId), deliveries.map((d) => d.eventId)],
    );
  }

  /** These deliveries, those still there, with what an attempt at each needs. */
  async findAttempts(deliveryIds: number[]): Promise<DeliveryAttempt[]> {
    const rows: (DeliveryRow & {
      url: string;
      secret: string;
      enabled: boolean;
      event_created_at: Date;
      data: object;
    })[] = await this.manager.query(
      `SELECT ${DELIVERY_COLUMNS}, w.url, w.secret, w.enabled, e.created_at AS event_created_at, e.data
         FROM webhook_deliveries d
         JOIN webhook_endpoints w ON w.id = d.endpoint_id
         JOIN webhook_events e ON e.id = d.event_id
        WHERE d.id = ANY($1::bigint[])`,
      [deliveryIds],
    );
    return rows.map((row) => ({
      delivery: toDelivery(row),
      endpoint: { id: row.endpoint_id, url: row.url, secret: row.secret, enabled: row.enabled },
      event: {
        id: row.event_id,
        type: row.event_type!,
        createdAt: row.event_created_at,
        data: row.data,
      },
    }));
  }

  /**
   * Records attempts, each unless another one recorded since its `attempts` was read (a job retried
   * while its first worker was still at it). Answers the deliveries whose attempt it recorded.
   */
  async recordAttempts(records: AttemptRecord[]): Promise<number[]> {
    if (records.length === 0) return [];
    const rows: { id: number }[] = await this.manager.query(
      `WITH recorded AS (
         UPDATE webhook_deliveries d
            SET attempts = d.attempts + 1, status = r.status, last_status_code = r.status_code,
                last_error = r.error, last_attempt_at = now(), next_attempt_at = r.next_attempt_at,
                delivered_at = CASE WHEN r.status = 'succeeded' THEN now() END
           FROM unnest($1::bigint[], $2::int[], $3::text[], $4::smallint[], $5::text[],
                       $6::timestamptz[])
                AS r(id, attempts, status, status_code, error, next_attempt_at)
          WHERE d.id = r.id AND d.attempts = r.attempts AND d.status = 'pending'
          RETURNING d.id
       )
       SELECT id FROM recorded`,
      [
        records.map((r) => r.deliveryId),
        records.map((r) => r.attempts),
        records.map((r) => r.status),
        records.map((r) => r.statusCode),
        records.map((r) => r.error),
        records.map((r) => r.nextAttemptAt),
      ],
    );
    return rows.map((row) => row.id);
  }

  /**
   * Pending deliveries that no job of `queue` is waiting to attempt (the job's own retries ran out,
   * the database being away for that long), whose attempt was due before `dueBefore`: long enough
   * ago that no transaction writing their job can still be open. Up to `limit`, oldest first.
   */
  async orphans(queue: string, dueBefore: Date, limit: number): Promise<DueDelivery[]> {
    return this.manager.query(
      `WITH queued AS (
         SELECT (attempt->>'deliveryId')::bigint AS id
           FROM ${JOB_QUEUE_SCHEMA}.job j, jsonb_array_elements(j.data->'deliveries') attempt
          WHERE j.name = $1 AND j.state < 'completed'
       )
       SELECT d.id, d.endpoint_id AS "endpointId", d.attempts
         FROM webhook_deliveries d
        WHERE d.status = 'pending' AND coalesce(d.next_attempt_at, d.created_at) < $2
          AND NOT EXISTS (SELECT 1 FROM queued q WHERE q.id = d.id)
        ORDER BY d.id
        LIMIT $3`,
      [queue, dueBefore, limit],
    );
  }

  /** Inside a transaction: true for the one replica whose sweep goes ahead, false for the others. */
  async takeSweep(): Promise<boolean> {
    const [{ taken }]: { taken: boolean }[] = await this.manager.query(
      'SELECT pg_try_advisory_xact_lock($1) AS taken',
      [SWEEP_LOCK],
    );
    return taken;
  }

  /** Gives up on deliveries without an attempt (their endpoint is disabled). */
  async abandon(deliveryIds: number[], reason: string): Promise<void> {
    await this.manager.query(
      `UPDATE webhook_deliveries SET status = 'failed', last_error = $2, next_attempt_at = NULL
        WHERE id = ANY($1::bigint[]) AND status = 'pending'`,
      [deliveryIds, reason],
    );
  }

  async recordEndpointSuccess(endpointId: number): Promise<void> {
    await this.manager.query(
      `UPDATE webhook_endpoints SET consecutive_failures = 0
        WHERE id = $1 AND consecutive_failures > 0`,
      [endpointId],
    );
  }

  /** Counts deliveries given up on; the endpoint is disabled at `limit` of them in a row. */
  async recordEndpointFailures(endpointId: number, failures: number, limit: number): Promise<void> {
    await this.manager.query(
      `UPDATE webhook_endpoints
          SET consecutive_failures = consecutive_failures + $2,
              enabled = enabled AND consecutive_failures + $2 < $3,
              disabled_reason = CASE
                WHEN enabled AND consecutive_failures + $2 >= $3
                THEN format('%s deliveries in a row failed', consecutive_failures + $2)
                ELSE disabled_reason END
        WHERE id = $1`,
      [endpointId, failures, limit],
    );
  }

  async disableEndpoint(endpointId: number, reason: string): Promise<void> {
    await this.manager.query(
      `UPDATE webhook_endpoints SET enabled = false, disabled_reason = $2 WHERE id = $1 AND enabled`,
      [endpointId, reason],
    );
  }

  /** An endpoint's deliveries, newest first, after the cursor's id. */
  async listDeliveries(
    endpointId: number,
    beforeId: number | null,
    limit: number,
    status: DeliveryStatus | undefined,
  ): Promise<DeliveryView[]> {
    const rows: DeliveryRow[] = await this.manager.query(
      `SELECT ${DELIVERY_COLUMNS}
         FROM webhook_deliveries d JOIN webhook_events e ON e.id = d.event_id
        WHERE d.endpoint_id = $1 AND ($2::bigint IS NULL OR d.id < $2)
          AND ($3::text IS NULL OR d.status = $3)
        ORDER BY d.id DESC
        LIMIT $4`,
      [endpointId, beforeId, status ?? null, limit],
    );
    return rows.map((row) => ({ ...toDelivery(row), eventType: row.event_type! }));
  }

  /**
   * Makes a finished delivery pending again with a fresh series of attempts. Null when it is not
   * there; unchanged (still pending) when an attempt is due anyway. Inside a transaction: the row is
   * locked first, so of replays at once one resets it and the others see it pending (in a single
   * statement they would wait for the winner's lock, skip the row, and not see it at all).
   */
  async resetForReplay(
    endpointId: number,
    deliveryId: number,
  ): Promise<{ delivery: DeliveryView; reset: boolean } | null> {
    await this.manager.query(
      'SELECT 1 FROM webhook_deliveries WHERE id = $2 AND endpoint_id = $1 FOR UPDATE',
      [endpointId, deliveryId],
    );
    const rows: (DeliveryRow & { reset: boolean })[] = await this.manager.query(
      `WITH reset AS (
         UPDATE webhook_deliveries
            SET status = 'pending', attempts = 0, next_attempt_at = now(), delivered_at = NULL
          WHERE id = $2 AND endpoint_id = $1 AND status <> 'pending'
          RETURNING *
       )
       SELECT ${DELIVERY_COLUMNS}, true AS reset
         FROM reset d JOIN webhook_events e ON e.id = d.event_id
       UNION ALL
       SELECT ${DELIVERY_COLUMNS}, false AS reset
         FROM webhook_deliveries d JOIN webhook_events e ON e.id = d.event_id
        WHERE d.id = $2 AND d.endpoint_id = $1 AND d.status = 'pending'`,
      [endpointId, deliveryId],
    );
    const row = rows[0];
    if (!row) return null;
    return { delivery: { ...toDelivery(row), eventType: row.event_type! }, reset: row.reset };
  }

  /**
   * Forgets events older than the cutoff with nothing left to deliver, and their deliveries (they
   * cascade). Answers how many events went.
   */
  async purgeFinished(before: Date): Promise<number> {
    const rows: { count: number }[] = await this.manager.query(
      `WITH gone AS (
         DELETE FROM webhook_events e
          WHERE e.created_at < $1
            AND NOT EXISTS (
              SELECT 1 FROM webhook_deliveries d WHERE d.event_id = e.id AND d.status = 'pending')
          RETURNING 1
       )
       SELECT count(*)::int AS count FROM gone`,
      [before],
    );
    return rows[0].count;
  }
}
