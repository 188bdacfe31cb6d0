import { Check, Column, CreateDateColumn, Entity, ForeignKey, Index, PrimaryColumn } from 'typeorm';

/**
 * One person's reaction to a message: counts are derived from these rows, never kept as a counter.
 * Carries `chat_id` like every hot table, so it can be sharded with its messages.
 */
@Entity({ name: 'message_reactions' })
@ForeignKey('Message', ['chatId', 'messageId'], ['chatId', 'id'], {
  name: 'message_reactions_message_fkey',
  onDelete: 'CASCADE',
})
@Check('message_reactions_emoji_length', `char_length("emoji") BETWEEN 1 AND 32`)
// Who reacted with an emoji, oldest first (the list's keyset).
@Index('message_reactions_who_idx', ['messageId', 'emoji', 'createdAt', 'userId'])
@Index('message_reactions_user_id_idx', ['userId'])
export class MessageReaction {
  @PrimaryColumn({
    name: 'message_id',
    type: 'bigint',
    primaryKeyConstraintName: 'message_reactions_pkey',
  })
  messageId!: number;

  @PrimaryColumn({
    type: 'varchar',
    length: 32,
    primaryKeyConstraintName: 'message_reactions_pkey',
  })
  emoji!: string;

  @ForeignKey('User', 'id', { name: 'message_reactions_user_id_fkey', onDelete: 'CASCADE' })
  @PrimaryColumn({
    name: 'user_id',
    type: 'integer',
    primaryKeyConstraintName: 'message_reactions_pkey',
  })
  userId!: number;

  @Column({ name: 'chat_id', type: 'integer' })
  chatId!: number;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz', precision: 3 })
  createdAt!: Date;
}
