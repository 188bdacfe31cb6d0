import { Injectable } from '@nestjs/common';
import type { QueryDeepPartialEntity } from 'typeorm';
import { TransactionHost } from '../database/transaction-host';
import { Message } from './entities/message.entity';

export interface NewMessage {
  chatId: number;
  seq: number;
  senderId: number;
  body: string;
  clientMessageId: string | null;
}

export type HistoryBound = { before: number } | { after: number };

/** The only code that touches the messages table; it joins the ambient transaction. */
@Injectable()
export class MessagesRepository {
  constructor(private readonly db: TransactionHost) {}

  private get manager() {
    return this.db.manager;
  }

  /**
   * One INSERT ... RETURNING (no re-select): this is the send path. Returns null when the sender
   * already sent this clientMessageId in this chat; the unique index decides, not a prior lookup.
   */
  async insertIdempotent(message: NewMessage): Promise<Message | null> {
    const rows: { id: number; created_at: Date }[] = await this.manager.query(
      `INSERT INTO messages (chat_id, seq, sender_id, body, client_message_id) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (chat_id, sender_id, client_message_id) WHERE client_message_id IS NOT NULL DO NOTHING
       RETURNING id, created_at`,
      [message.chatId, message.seq, message.senderId, message.body, message.clientMessageId],
    );
    if (!rows[0]) return null;
    const { id, created_at } = rows[0];
    return this.manager.create(Message, {
      ...message,
      id,
      createdAt: created_at,
      editedAt: null,
      deletedAt: null,
    });
  }

  findByClientMessageId(
    chatId: number,
    senderId: number,
    clientMessageId: string,
  ): Promise<Message | null> {
    return this.manager.findOneBy(Message, { chatId, senderId, clientMessageId });
  }

  findInChat(chatId: number, id: number): Promise<Message | null> {
    return this.manager.findOneBy(Message, { chatId, id });
  }

  /**
   * A keyset page on (chat_id, id): `before` walks back newest first, `after` walks forward oldest
   * first. Costs the same at any depth of the chat.
   */
  listPage(chatId: number, bound: HistoryBound | null, limit: number): Promise<Message[]> {
    const ascending = bound !== null && 'after' in bound;
    const query = this.manager
      .createQueryBuilder(Message, 'm')
      .where('m.chat_id = :chatId', { chatId })
      .orderBy('m.id', ascending ? 'ASC' : 'DESC')
      .limit(limit);
    if (bound && 'after' in bound) query.andWhere('m.id > :after', bound);
    if (bound && 'before' in bound) query.andWhere('m.id < :before', bound);
    return query.getMany();
  }

  /** Messages after a seq, oldest first: the (chat_id, seq) unique index serves it. */
  listAfterSeq(chatId: number, afterSeq: number, limit: number): Promise<Message[]> {
    return this.manager
      .createQueryBuilder(Message, 'm')
      .where('m.chat_id = :chatId AND m.seq > :afterSeq', { chatId, afterSeq })
      .orderBy('m.seq', 'ASC')
      .limit(limit)
      .getMany();
  }

  /** Edits a message that is not deleted; null when it is (a delete may have just won). */
  edit(id: number, body: string): Promise<Message | null> {
    return this.updateLive(id, { body, editedAt: () => 'now()' });
  }

  /** Keeps the message's place in history but drops its body; null when it was already deleted. */
  tombstone(id: number): Promise<Message | null> {
    return this.updateLive(id, { body: null, deletedAt: () => 'now()' });
  }

  private async updateLive(
    id: number,
    changes: QueryDeepPartialEntity<Message>,
  ): Promise<Message | null> {
    const result = await this.manager
      .createQueryBuilder()
      .update(Message)
      .set(changes)
      .where('id = :id AND deleted_at IS NULL', { id })
      .execute();
    return result.affected ? this.manager.findOneBy(Message, { id }) : null;
  }
}
