import { Injectable } from '@nestjs/common';
import { TransactionHost } from '../database/transaction-host';

export interface NewMention {
  messageId: number;
  chatId: number;
  seq: number;
  userId: number;
}

/**
 * How many of the user's mentions in the chat lie after `afterSeq`, as an SQL expression over the
 * caller's columns: one range of message_mentions_unread_idx, however long the chat's history.
 */
export function unreadMentionsSql(chat: string, user: string, afterSeq: string): string {
  return `(SELECT count(*)::int FROM message_mentions mm
            WHERE mm.user_id = ${user} AND mm.chat_id = ${chat} AND mm.seq > ${afterSeq})`;
}

/** The only code that writes message_mentions (the message view reads them); it joins the ambient transaction. */
@Injectable()
export class MentionsRepository {
  constructor(private readonly db: TransactionHost) {}

  /** The mentions of freshly inserted messages: one statement for a whole flush. */
  async insert(mentions: NewMention[]): Promise<void> {
    if (mentions.length === 0) return;
    await this.db.manager.query(
      `INSERT INTO message_mentions (message_id, chat_id, seq, user_id)
       SELECT * FROM unnest($1::bigint[], $2::int[], $3::bigint[], $4::int[])`,
      [
        mentions.map((m) => m.messageId),
        mentions.map((m) => m.chatId),
        mentions.map((m) => m.seq),
        mentions.map((m) => m.userId),
      ],
    );
  }

  /** Whom each of these messages mentions now, by message id (one statement for them all). */
  async of(messageIds: number[]): Promise<Map<number, number[]>> {
    const mentioned = new Map<number, number[]>();
    if (messageIds.length === 0) return mentioned;
    const rows: { message_id: number; user_id: number }[] = await this.db.manager.query(
      'SELECT message_id, user_id FROM message_mentions WHERE message_id = ANY($1::bigint[])',
      [messageIds],
    );
    for (const row of rows)
      mentioned.set(row.message_id, [...(mentioned.get(row.message_id) ?? []), row.user_id]);
    return mentioned;
  }

  /**
   * After an edit: the message mentions exactly `userIds`. Returns those it did not mention
   * before, in one statement.
   */
  async replace(
    { chatId, messageId, seq }: Omit<NewMention, 'userId'>,
    userIds: number[],
  ): Promise<number[]> {
    const rows: { user_id: number }[] = await this.db.manager.query(
      `WITH dropped AS (
         DELETE FROM message_mentions
          WHERE chat_id = $2 AND message_id = $1 AND user_id <> ALL($4::int[])
       ), added AS (
         INSERT INTO message_mentions (message_id, chat_id, seq, user_id)
         SELECT $1, $2, $3, unnest($4::int[])
         ON CONFLICT DO NOTHING RETURNING user_id
       )
       SELECT user_id FROM added`,
      [messageId, chatId, seq, userIds],
    );
    return rows.map((row) => row.user_id);
  }
}
