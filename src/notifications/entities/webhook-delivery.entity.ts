import {
  Check,
  Column,
  CreateDateColumn,
  Entity,
  ForeignKey,
  Index,
  PrimaryGeneratedColumn,
  Unique,
} from 'typeorm';

export type DeliveryStatus = 'pending' | 'succeeded' | 'failed';

/** One event owed to one endpoint, and how the attempts to post it went. */
@Entity({ name: 'webhook_deliveries' })
@Unique('webhook_deliveries_endpoint_event_key', ['endpointId', 'eventId'])
@Check('webhook_deliveries_status', `"status" IN ('pending', 'succeeded', 'failed')`)
@Check('webhook_deliveries_attempts', `"attempts" >= 0`)
@Check('webhook_deliveries_delivered', `("status" = 'succeeded') = ("delivered_at" IS NOT NULL)`)
@ForeignKey('WebhookEndpoint', ['endpointId'], ['id'], {
  name: 'webhook_deliveries_endpoint_id_fkey',
  onDelete: 'CASCADE',
})
@ForeignKey('WebhookEvent', ['eventId'], ['id'], {
  name: 'webhook_deliveries_event_id_fkey',
  onDelete: 'CASCADE',
})
// An endpoint's deliveries, newest first (the admin list); an event's (retention, cascades).
@Index('webhook_deliveries_endpoint_idx', ['endpointId', 'id'])
@Index('webhook_deliveries_event_idx', ['eventId'])
// The pending ones, for the sweep of deliveries left without a job.
@Index('webhook_deliveries_pending_idx', ['id'], { where: `"status" = 'pending'` })
export class WebhookDelivery {
  @PrimaryGeneratedColumn('identity', {
    type: 'bigint',
    generatedIdentity: 'ALWAYS',
    primaryKeyConstraintName: 'webhook_deliveries_pkey',
  })
  id!: number;

  @Column({ name: 'endpoint_id', type: 'integer' })
  endpointId!: number;

  @Column({ name: 'event_id', type: 'uuid' })
  eventId!: string;

  @Column({ type: 'text', default: 'pending' })
  status!: DeliveryStatus;

  @Column({ type: 'integer', default: 0 })
  attempts!: number;

  @Column({ name: 'last_status_code', type: 'smallint', nullable: true })
  lastStatusCode!: number | null;

  @Column({ name: 'last_error', type: 'text', nullable: true })
  lastError!: string | null;

  @Column({ name: 'last_attempt_at', type: 'timestamptz', precision: 3, nullable: true })
  lastAttemptAt!: Date | null;

  @Column({ name: 'next_attempt_at', type: 'timestamptz', precision: 3, nullable: true })
  nextAttemptAt!: Date | null;

  @Column({ name: 'delivered_at', type: 'timestamptz', precision: 3, nullable: true })
  deliveredAt!: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz', precision: 3 })
  createdAt!: Date;
}
