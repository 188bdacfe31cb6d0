import { Check, CreateDateColumn, Entity, ForeignKey, Index, PrimaryColumn } from 'typeorm';

@Entity({ name: 'user_blocks' })
@Check('user_blocks_not_self', `"blocker_id" <> "blocked_id"`)
@Index('user_blocks_blocked_id_idx', ['blockedId'])
export class UserBlock {
  @ForeignKey('User', 'id', { name: 'user_blocks_blocker_id_fkey', onDelete: 'CASCADE' })
  @PrimaryColumn({
    name: 'blocker_id',
    type: 'integer',
    primaryKeyConstraintName: 'user_blocks_pkey',
  })
  blockerId!: number;

  @ForeignKey('User', 'id', { name: 'user_blocks_blocked_id_fkey', onDelete: 'CASCADE' })
  @PrimaryColumn({
    name: 'blocked_id',
    type: 'integer',
    primaryKeyConstraintName: 'user_blocks_pkey',
  })
  blockedId!: number;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz', precision: 3 })
  createdAt!: Date;
}
