import {
  Check,
  Column,
  CreateDateColumn,
  Entity,
  ForeignKey,
  Index,
  PrimaryGeneratedColumn,
  Unique,
  UpdateDateColumn,
} from 'typeorm';

export type ChatType = 'direct' | 'group';
export const CHAT_TYPES: readonly ChatType[] = ['direct', 'group'];

/** The message a chat list shows, copied here when it changes so listing never reads messages. */
export interface LastMessageSnapshot {
  id: number;
  chatId: number;
  seq: number;
  senderId: number;
  body: string | null;
  clientMessageId: string | null;
  createdAt: string;
  editedAt: string | null;
  deletedAt: string | null;
  /** How many files it carries; absent from previews stored before attachments (read as 0). */
  attachmentCount?: number;
}

/** The original data model's chat_sesh / chats: a direct chat (one per pair of users) or a group. */
@Entity({ name: 'chat_sessions' })
@Check('chat_sessions_type', `"type" IN ('direct', 'group')`)
@Check(
  'chat_sessions_direct_pair',
  `("type" = 'direct') = ("user_1_id" IS NOT NULL AND "user_2_id" IS NOT NULL) AND ("user_1_id" < "user_2_id" OR "user_1_id" IS NULL)`,
)
@Check('chat_sessions_group_name', `"type" = 'direct' OR char_length("name") BETWEEN 1 AND 100`)
@Unique('chat_sessions_direct_pair_key', ['user1Id', 'user2Id'])
@Unique('chat_sessions_topic_key', ['topic'])
@Index('chat_sessions_user_2_id_idx', ['user2Id'])
@Check('chat_sessions_rev_within', `"rev" BETWEEN 1 AND "last_rev"`)
export class ChatSession {
  @PrimaryGeneratedColumn('identity', {
    generatedIdentity: 'ALWAYS',
    primaryKeyConstraintName: 'chat_sessions_pkey',
  })
  id!: number;

  @Column({ type: 'varchar', length: 8 })
  type!: ChatType;

  @Column({ type: 'varchar', length: 100, nullable: true })
  name!: string | null;

  /** The unique key live subscriptions use (the Socket.IO room). */
  @Column({ type: 'varchar', length: 64 })
  topic!: string;

  @ForeignKey('User', 'id', { name: 'chat_sessions_user_1_id_fkey', onDelete: 'CASCADE' })
  @Column({ name: 'user_1_id', type: 'integer', nullable: true })
  user1Id!: number | null;

  @ForeignKey('User', 'id', { name: 'chat_sessions_user_2_id_fkey', onDelete: 'CASCADE' })
  @Column({ name: 'user_2_id', type: 'integer', nullable: true })
  user2Id!: number | null;

  /** The seq of the newest message; the next message takes last_seq + 1 under this row's lock. */
  @Column({ name: 'last_seq', type: 'bigint', default: 0 })
  lastSeq!: number;

  /**
   * The change counter: every committed change to the chat or one of its messages takes the next
   * value under this row's lock, so revs follow commit order.
   */
  @Column({ name: 'last_rev', type: 'bigint', default: 1 })
  lastRev!: number;

  /** The rev of the latest change to the chat itself (its creation, name, members, roles). */
  @Column({ type: 'bigint', default: 1 })
  rev!: number;

  @Column({ name: 'last_message', type: 'jsonb', nullable: true })
  lastMessage!: LastMessageSnapshot | null;

  /** When the newest message was sent, or the chat created: what chat lists are sorted by. */
  @Column({ name: 'last_activity_at', type: 'timestamptz', precision: 3, default: () => 'now()' })
  lastActivityAt!: Date;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz', precision: 3 })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz', precision: 3 })
  updatedAt!: Date;
}
