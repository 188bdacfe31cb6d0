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
import { schemaSearchTextConfig, searchVectorSql } from '../search-text-config';

/** The original data model's message / chat_messages. A deleted message stays as a tombstone without a body. */
@Entity({ name: 'messages' })
@Unique('messages_chat_id_seq_key', ['chatId', 'seq'])
@Unique('messages_chat_id_rev_key', ['chatId', 'rev'])
// The target of a foreign key that keeps a reply in its target's chat.
@Unique('messages_chat_id_id_key', ['chatId', 'id'])
@Check('messages_tombstone', `("deleted_at" IS NULL) = ("body" IS NOT NULL)`)
// With attachments the body may be empty.
@Check(
  'messages_body_length',
  `char_length("body") BETWEEN 1 AND 4000 OR ("body" = '' AND "attachment_count" > 0)`,
)
@Check('messages_attachment_count', `"attachment_count" BETWEEN 0 AND 10`)
@Check('messages_seq_positive', `"seq" > 0`)
@Check('messages_deleted_by', `"deleted_by" IS NULL OR "deleted_at" IS NOT NULL`)
@Check('messages_rev_positive', `"rev" > 0`)
// A reply names a message of its own chat; when that row goes, only reply_to_id is cleared (the
// migration says `SET NULL ("reply_to_id")`, which TypeORM cannot spell).
@ForeignKey('Message', ['chatId', 'replyToId'], ['chatId', 'id'], {
  name: 'messages_reply_to_fkey',
  onDelete: 'SET NULL',
})
@Index('messages_reply_to_idx', ['chatId', 'replyToId'], { where: '"reply_to_id" IS NOT NULL' })
// A person's own messages in id order: their export, and the erasure of a deleted account.
@Index('messages_sender_id_id_idx', ['senderId', 'id'])
// Search: a GIN index of search_vector (the migration says `USING gin`, which TypeORM cannot spell).
@Index('messages_search_idx', { synchronize: false })
// Idempotent sends: (chat_id, sender_id, client_message_id) is unique where client_message_id is set.
@Index('messages_client_message_id_key', { synchronize: false })
export class Message {
  @PrimaryGeneratedColumn('identity', {
    type: 'bigint',
    generatedIdentity: 'ALWAYS',
    primaryKeyConstraintName: 'messages_pkey',
  })
  id!: number;

  @ForeignKey('ChatSession', 'id', { name: 'messages_chat_id_fkey', onDelete: 'CASCADE' })
  @Column({ name: 'chat_id', type: 'integer' })
  chatId!: number;

  @Column({ type: 'bigint' })
  seq!: number;

  /** The chat's rev of this message's latest change (sent, edited, deleted, reacted to, ...). */
  @Column({ type: 'bigint' })
  rev!: number;

  @ForeignKey('User', 'id', { name: 'messages_sender_id_fkey', onDelete: 'CASCADE' })
  @Column({ name: 'sender_id', type: 'integer' })
  senderId!: number;

  @Column({ type: 'text', nullable: true })
  body!: string | null;

  @Column({ name: 'reply_to_id', type: 'bigint', nullable: true })
  replyToId!: number | null;

  /** How many uploads are attached: only messages with some look them up. */
  @Column({ name: 'attachment_count', type: 'smallint', default: 0 })
  attachmentCount!: number;

  @Column({ name: 'client_message_id', type: 'varchar', length: 64, nullable: true })
  clientMessageId!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz', precision: 3 })
  createdAt!: Date;

  @Column({ name: 'edited_at', type: 'timestamptz', precision: 3, nullable: true })
  editedAt!: Date | null;

  @Column({ name: 'deleted_at', type: 'timestamptz', precision: 3, nullable: true })
  deletedAt!: Date | null;

  /** Who deleted it: its sender, or an owner or admin of its group. */
  @ForeignKey('User', 'id', { name: 'messages_deleted_by_fkey', onDelete: 'SET NULL' })
  @Column({ name: 'deleted_by', type: 'integer', nullable: true })
  deletedBy!: number | null;

  /** Kept by PostgreSQL from the body; read only inside search queries. */
  @Column({
    name: 'search_vector',
    type: 'tsvector',
    select: false,
    insert: false,
    update: false,
    generatedType: 'STORED',
    asExpression: searchVectorSql(schemaSearchTextConfig()),
  })
  searchVector?: string;
}
