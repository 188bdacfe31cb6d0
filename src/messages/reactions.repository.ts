import { Injectable } from '@nestjs/common';
import { TransactionHost } from '../database/transaction-host';
import { EmojiState, ReactionRow } from './reaction-plan';

export interface OwnReactionExport {
  chatId: number;
  messageId: number;
  emoji: string;
  reactedAt: Date;
}

export interface Reactor {
  userId: number;
  reactedAt: Date;
}

export interface ReactorCursor {
  at: string;
  id: number;
}

/** The only code that touches message_reactions; it joins the ambient transaction. */
@Injectable()
export class ReactionsRepository {
  constructor(private readonly db: TransactionHost) {}

  private get manager() {
    return this.db.manager;
  }

  /** The user's own reactions, for their export. */
  ownReactions(userId: number): Promise<OwnReactionExport[]> {
    return this.manager.query(
      `SELECT chat_id AS "chatId", message_id AS "messageId", emoji, created_at AS "reactedAt"
         FROM message_reactions WHERE user_id = $1 ORDER BY created_at`,
      [userId],
    );
  }

  /**
   * The emoji on these messages: each one's count, and which of `userIds` reacted with it (only
   * those, so a message with thousands of reactions costs no more).
   */
  async emojiStates(messageIds: number[], userIds: number[]): Promise<EmojiState[]> {
    const rows: { message_id: number; emoji: string; count: number; users: number[] }[] =
      await this.manager.query(
        `SELECT message_id, emoji, count(*)::int AS count,
                coalesce(array_agg(user_id) FILTER (WHERE user_id = ANY($2::int[])), '{}') AS users
           FROM message_reactions WHERE message_id = ANY($1::bigint[])
          GROUP BY message_id, emoji`,
        [messageIds, userIds],
      );
    return rows.map((row) => ({
      messageId: row.message_id,
      emoji: row.emoji,
      count: row.count,
      users: row.users,
    }));
  }

  /** A flush's net row changes, in one statement (never the same row both ways). */
  async apply(added: ReactionRow[], removed: ReactionRow[]): Promise<void> {
    if (added.length === 0 && removed.length === 0) return;
    await this.manager.query(
      `WITH removed AS (
         DELETE FROM message_reactions r
          USING unnest($5::bigint[], $6::int[], $7::varchar[]) AS d(message_id, user_id, emoji)
          WHERE r.message_id = d.message_id AND r.user_id = d.user_id AND r.emoji = d.emoji
       )
       INSERT INTO message_reactions (chat_id, message_id, user_id, emoji)
       SELECT * FROM unnest($1::int[], $2::bigint[], $3::int[], $4::varchar[])`,
      [
        added.map((row) => row.chatId),
        added.map((row) => row.messageId),
        added.map((row) => row.userId),
        added.map((row) => row.emoji),
        removed.map((row) => row.messageId),
        removed.map((row) => row.userId),
        removed.map((row) => row.emoji),
      ],
    );
  }

  /** Who reacted with the emoji, oldest first: a keyset page on message_reactions_who_idx. */
  async listReactors(
    messageId: number,
    emoji: string,
    after: ReactorCursor | null,
    limit: number,
  ): Promise<Reactor[]> {
    const rows: { user_id: number; created_at: Date }[] = await this.manager.query(
      `SELECT user_id, created_at FROM message_reactions
        WHERE message_id = $1 AND emoji = $2
          AND ($3::timestamptz IS NULL OR (created_at, user_id) > ($3::timestamptz, $4::int))
        ORDER BY created_at, user_id LIMIT $5`,
      [messageId, emoji, after?.at ?? null, after?.id ?? null, limit],
    );
    return rows.map((row) => ({ userId: row.user_id, reactedAt: row.created_at }));
  }
}
