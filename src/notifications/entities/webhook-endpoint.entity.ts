import { Check, Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

/**
 * Where an operator wants events posted. `secret` signs every delivery (Standard Webhooks). An
 * endpoint stops receiving new events once disabled: by a 410 answer, by too many deliveries in a
 * row given up on, or by the operator.
 */
@Entity({ name: 'webhook_endpoints' })
@Check('webhook_endpoints_url', `char_length("url") <= 2048`)
@Check('webhook_endpoints_events', `cardinality("events") BETWEEN 1 AND 50`)
@Check('webhook_endpoints_failures', `"consecutive_failures" >= 0`)
@Check('webhook_endpoints_disabled', `"enabled" OR "disabled_reason" IS NOT NULL`)
export class WebhookEndpoint {
  @PrimaryGeneratedColumn('identity', {
    type: 'integer',
    generatedIdentity: 'ALWAYS',
    primaryKeyConstraintName: 'webhook_endpoints_pkey',
  })
  id!: number;

  @Column({ type: 'text' })
  url!: string;

  /** Event types it receives; `*` for all. */
  @Column({ type: 'text', array: true })
  events!: string[];

  @Column({ type: 'text' })
  secret!: string;

  @Column({ type: 'boolean', default: true })
  enabled!: boolean;

  @Column({ name: 'disabled_reason', type: 'text', nullable: true })
  disabledReason!: string | null;

  /** Deliveries given up on since the last success. */
  @Column({ name: 'consecutive_failures', type: 'integer', default: 0 })
  consecutiveFailures!: number;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz', precision: 3 })
  createdAt!: Date;
}
