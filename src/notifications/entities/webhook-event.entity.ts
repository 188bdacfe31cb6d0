import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * An event as its deliveries post it: `id` is the `webhook-id` of every attempt to every endpoint,
 * so a receiver deduplicates by it. Written once an event has a delivery to make.
 */
@Entity({ name: 'webhook_events' })
@Index('webhook_events_created_idx', ['createdAt'])
export class WebhookEvent {
  @PrimaryColumn({ type: 'uuid', primaryKeyConstraintName: 'webhook_events_pkey' })
  id!: string;

  @Column({ type: 'text' })
  type!: string;

  /** When the change it reports committed (roughly: when its transaction wrote the job). */
  @Column({ name: 'created_at', type: 'timestamptz', precision: 3 })
  createdAt!: Date;

  @Column({ type: 'jsonb' })
  data!: object;
}
