import { Check, Column, CreateDateColumn, Entity, ForeignKey, Index, PrimaryColumn } from 'typeorm';

export type ParticipantRole = 'owner' | 'admin' | 'member';
export const PARTICIPANT_ROLES: readonly ParticipantRole[] = ['owner', 'admin', 'member'];

@Entity({ name: 'chat_participants' })
@Check('chat_participants_role', `"role" IN ('owner', 'admin', 'member')`)
@Index('chat_participants_user_id_idx', ['userId'])
export class ChatParticipant {
  @ForeignKey('ChatSession', 'id', { name: 'chat_participants_chat_id_fkey', onDelete: 'CASCADE' })
  @PrimaryColumn({
    name: 'chat_id',
    type: 'integer',
    primaryKeyConstraintName: 'chat_participants_pkey',
  })
  chatId!: number;

  @ForeignKey('User', 'id', { name: 'chat_participants_user_id_fkey', onDelete: 'CASCADE' })
  @PrimaryColumn({
    name: 'user_id',
    type: 'integer',
    primaryKeyConstraintName: 'chat_participants_pkey',
  })
  userId!: number;

  @Column({ type: 'varchar', length: 8, default: 'member' })
  role!: ParticipantRole;

  @CreateDateColumn({ name: 'joined_at', type: 'timestamptz', precision: 3 })
  joinedAt!: Date;

  /** Moves forward only; messages after it from others are unread. */
  @Column({ name: 'last_read_message_id', type: 'bigint', nullable: true })
  lastReadMessageId!: number | null;

  /** The seq of last_read_message_id: unread = chat last_seq - this (own messages advance it). */
  @Column({ name: 'last_read_seq', type: 'bigint', default: 0 })
  lastReadSeq!: number;

  /** When the marker last moved: the read receipt's time. */
  @Column({ name: 'last_read_at', type: 'timestamptz', precision: 3, nullable: true })
  lastReadAt!: Date | null;

  /** Mine only: a muted chat counts only its mentions in my unread totals. */
  @Column({ type: 'boolean', default: false })
  muted!: boolean;

  /** Mine only: kept out of my main list; a message that mentions me brings the chat back. */
  @Column({ type: 'boolean', default: false })
  archived!: boolean;
}
