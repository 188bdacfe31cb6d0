import {
  Check,
  Column,
  CreateDateColumn,
  Entity,
  ForeignKey,
  Index,
  PrimaryGeneratedColumn,
} from 'typeorm';

export type FriendRequestStatus = 'pending' | 'accepted' | 'rejected';
export const FRIEND_REQUEST_STATUSES: readonly FriendRequestStatus[] = [
  'pending',
  'accepted',
  'rejected',
];

@Entity({ name: 'friend_requests' })
@Check('friend_requests_not_to_self', `"from_user_id" <> "to_user_id"`)
@Check('friend_requests_status', `"status" IN ('pending', 'accepted', 'rejected')`)
@Check('friend_requests_message_length', `char_length("message") <= 200`)
@Check('friend_requests_responded', `("status" = 'pending') = ("responded_at" IS NULL)`)
@Index('friend_requests_to_user_id_id_idx', ['toUserId', 'id'])
@Index('friend_requests_from_user_id_id_idx', ['fromUserId', 'id'])
// At most one pending request per pair, whichever way it goes (friend_requests_one_pending_per_pair).
@Index('friend_requests_one_pending_per_pair', { synchronize: false })
export class FriendRequest {
  @PrimaryGeneratedColumn('identity', {
    generatedIdentity: 'ALWAYS',
    primaryKeyConstraintName: 'friend_requests_pkey',
  })
  id!: number;

  @ForeignKey('User', 'id', { name: 'friend_requests_from_user_id_fkey', onDelete: 'CASCADE' })
  @Column({ name: 'from_user_id', type: 'integer' })
  fromUserId!: number;

  @ForeignKey('User', 'id', { name: 'friend_requests_to_user_id_fkey', onDelete: 'CASCADE' })
  @Column({ name: 'to_user_id', type: 'integer' })
  toUserId!: number;

  @Column({ type: 'varchar', length: 200, nullable: true })
  message!: string | null;

  @Column({ type: 'varchar', length: 16, default: 'pending' })
  status!: FriendRequestStatus;

  @CreateDateColumn({ name: 'sent_at', type: 'timestamptz', precision: 3 })
  sentAt!: Date;

  @Column({ name: 'responded_at', type: 'timestamptz', precision: 3, nullable: true })
  respondedAt!: Date | null;
}
