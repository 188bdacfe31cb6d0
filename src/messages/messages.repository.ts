import { Injectable } from '@nestjs/common';
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

  /** One INSERT ... RETURNING (no re-select): this is the send path. */
  async insert(message: NewMessage): Promise<Message> {
    const result = await this.manager
      .createQueryBuilder()
      .insert()
      .into(Message)
      .values(message)
      .returning('id, created_at')
      .execute();
    const { id, created_at } = result.raw[0] as { id: number; created_at: Date };
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

  async edit(id: number, body: string): Promise<Message | null> {
    await this.manager.update(Message, { id }, { body, editedAt: () => 'now()' });
    return this.manager.findOneBy(Message, { id });
  }

  /** Keeps the message's place in history but drops its body. */
  async tombstone(id: number): Promise<Message | null> {
    await this.manager.update(Message, { id }, { body: null, deletedAt: () => 'now()' });
    return this.manager.findOneBy(Message, { id });
  }
}
