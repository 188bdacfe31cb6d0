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

export interface ClientMessageKey {
  chatId: number;
  senderId: number;
  clientMessageId: string;
}

interface MessageRow {
  id: number;
  chat_id: number;
  seq: number;
  sender_id: number;
  body: string | null;
  client_message_id: string | null;
  created_at: Date;
  edited_at: Date | null;
  deleted_at: Date | null;
}

function fromRow(row: MessageRow): Message {
  return {
    id: row.id,
    chatId: row.chat_id,
    seq: row.seq,
    senderId: row.sender_id,
    body: row.body,
    clientMessageId: row.client_message_id,
    createdAt: row.created_at,
    editedAt: row.edited_at,
    deletedAt: row.deleted_at,
  };
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
   * The send path: one INSERT for a whole batch, from arrays (a fixed statement, whatever the batch
   * size), RETURNING what the database assigns; no re-select. Rows go in in array order, so within a
   * chat ids grow with seq. Null, with nothing inserted worth keeping, when a row collided with a
   * stored one (a resend): the caller rolls back and looks the resends up first.
   */
  async insertMany(messages: NewMessage[]): Promise<Message[] | null> {
    const rows: { id: number; created_at: Date }[] = await this.manager.query(
      `INSERT INTO messages (chat_id, seq, sender_id, body, client_message_id)
       SELECT * FROM unnest($1::int[], $2::bigint[], $3::int[], $4::text[], $5::varchar[])
       ON CONFLICT (chat_id, sender_id, client_message_id) WHERE client_message_id IS NOT NULL DO NOTHING
       RETURNING id, created_at`,
      [
        messages.map((m) => m.chatId),
        messages.map((m) => m.seq),
        messages.map((m) => m.senderId),
        messages.map((m) => m.body),
        messages.map((m) => m.clientMessageId),
      ],
    );
    if (rows.length < messages.length) return null;
    return messages.map((message, i) => ({
      ...message,
      id: rows[i].id,
      createdAt: rows[i].created_at,
      editedAt: null,
      deletedAt: null,
    }));
  }

  /**
   * Messages already stored under these (chat, sender, clientMessageId) keys: one join against the
   * keys as arrays, so a batch of any size is one cheap statement (not an OR per key).
   */
  async findByClientMessageIds(keys: ClientMessageKey[]): Promise<Message[]> {
    if (keys.length === 0) return [];
    const rows: MessageRow[] = await this.manager.query(
      `SELECT m.id, m.chat_id, m.seq, m.sender_id, m.body, m.client_message_id, m.created_at, m.edited_at, m.deleted_at
         FROM unnest($1::int[], $2::int[], $3::varchar[]) AS k(chat_id, sender_id, client_message_id)
         JOIN messages m ON m.chat_id = k.chat_id AND m.sender_id = k.sender_id AND m.client_message_id = k.client_message_id`,
      [keys.map((k) => k.chatId), keys.map((k) => k.senderId), keys.map((k) => k.clientMessageId)],
    );
    return rows.map(fromRow);
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

  /**
   * Edits a message that is not deleted; null when it is (a delete may have just won). Stamped
   * with clock_timestamp(), the moment the row lock is held, not now() (the transaction's start):
   * concurrent edits commit in lock order, so their stamps must follow it too.
   */
  edit(id: number, body: string): Promise<Message | null> {
    return this.updateLive(id, { body, editedAt: () => 'clock_timestamp()' });
  }

  /** Keeps the message's place in history but drops its body; null when it was already deleted. */
  tombstone(id: number): Promise<Message | null> {
    return this.updateLive(id, { body: null, deletedAt: () => 'clock_timestamp()' });
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
