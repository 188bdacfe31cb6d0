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

/**
 * A browser's or device's Web Push subscription (the PushSubscription JSON it gave). An endpoint
 * belongs to one user: subscribing it again moves it to whoever did.
 */
@Entity({ name: 'push_subscriptions' })
@Unique('push_subscriptions_endpoint_key', ['endpoint'])
@Check('push_subscriptions_endpoint', `char_length("endpoint") <= 2048`)
@ForeignKey('User', ['userId'], ['id'], {
  name: 'push_subscriptions_user_id_fkey',
  onDelete: 'CASCADE',
})
@Index('push_subscriptions_user_idx', ['userId'])
export class PushSubscription {
  @PrimaryGeneratedColumn('identity', {
    type: 'integer',
    generatedIdentity: 'ALWAYS',
    primaryKeyConstraintName: 'push_subscriptions_pkey',
  })
  id!: number;

  @Column({ name: 'user_id', type: 'integer' })
  userId!: number;

  @Column({ type: 'text' })
  endpoint!: string;

  /** The subscription's P-256 public key and auth secret, base64url as the browser gave them. */
  @Column({ type: 'text' })
  p256dh!: string;

  @Column({ type: 'text' })
  auth!: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz', precision: 3 })
  createdAt!: Date;
}
