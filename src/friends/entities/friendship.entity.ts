import { Check, CreateDateColumn, Entity, ForeignKey, Index, PrimaryColumn } from 'typeorm';

/** One row per pair, stored ordered, so the relationship is symmetric and cannot be doubled. */
@Entity({ name: 'friendships' })
@Check('friendships_ordered_pair', `"user_low_id" < "user_high_id"`)
@Index('friendships_user_high_id_idx', ['userHighId'])
export class Friendship {
  @ForeignKey('User', 'id', { name: 'friendships_user_low_id_fkey', onDelete: 'CASCADE' })
  @PrimaryColumn({
    name: 'user_low_id',
    type: 'integer',
    primaryKeyConstraintName: 'friendships_pkey',
  })
  userLowId!: number;

  @ForeignKey('User', 'id', { name: 'friendships_user_high_id_fkey', onDelete: 'CASCADE' })
  @PrimaryColumn({
    name: 'user_high_id',
    type: 'integer',
    primaryKeyConstraintName: 'friendships_pkey',
  })
  userHighId!: number;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz', precision: 3 })
  createdAt!: Date;
}
