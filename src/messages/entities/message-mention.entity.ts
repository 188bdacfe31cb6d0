import { Column, Entity, ForeignKey, Index, PrimaryColumn } from 'typeorm';

/**
 * A participant a message calls upon. Unread mention counts are derived from these rows and the
 * read markers (`seq` after the reader's marker), never kept as a counter, so an edit that drops a
 * mention or a delete drops it from the counts. Carries `chat_id` like every hot table.
 */
@Entity({ name: 'message_mentions' })
@ForeignKey('Message', ['chatId', 'messageId'], ['chatId', 'id'], {
  name: 'message_mentions_message_fkey',
  onDelete: 'CASCADE',
})
// A reader's mentions in a chat after their marker: one range of this index.
@Index('message_mentions_unread_idx', ['userId', 'chatId', 'seq'])
export class MessageMention {
  @PrimaryColumn({
    name: 'message_id',
    type: 'bigint',
    primaryKeyConstraintName: 'message_mentions_pkey',
  })
  messageId!: number;

  @ForeignKey('User', 'id', { name: 'message_mentions_user_id_fkey', onDelete: 'CASCADE' })
  @PrimaryColumn({
    name: 'user_id',
    type: 'integer',
    primaryKeyConstraintName: 'message_mentions_pkey',
  })
  userId!: number;

  @Column({ name: 'chat_id', type: 'integer' })
  chatId!: number;

  /** The message's seq, so unread mentions are a range after the read marker. */
  @Column({ type: 'bigint' })
  seq!: number;
}
