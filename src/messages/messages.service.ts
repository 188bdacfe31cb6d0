import { Inject, Injectable } from '@nestjs/common';
import { isBigId } from '../common/pagination/cursor-keys';
import { decodeCursor, Page, toPage } from '../common/pagination/page';
import { ChatsService } from '../chats/chats.service';
import { SerialByKey } from '../common/concurrency/serial-by-key';
import { RateLimiterService } from '../common/rate-limit/rate-limiter.service';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { TransactionHost } from '../database/transaction-host';
import { ListMessagesQueryDto } from './dto/list-messages-query.dto';
import { MessageResponseDto } from './dto/message-response.dto';
import { Message } from './entities/message.entity';
import { MessageDeletedEvent, MessagesEvents, MessageUpdatedEvent } from './events/messages.events';
import { MessageBatcher } from './message-batcher';
import { MessagesError, MessagesErrorCode } from './messages.errors';
import { toMessageResponse } from './messages.mapper';
import { HistoryBound, MessagesRepository } from './messages.repository';

export interface SyncPoint {
  afterSeq?: number;
  afterMessageId?: number;
}

export interface SyncResult {
  messages: MessageResponseDto[];
  hasMore: boolean;
}

export interface SendOutcome {
  message: MessageResponseDto;
  /** False when the clientMessageId was seen before: this is the first message, not a copy. */
  created: boolean;
}

/** Exactly one of before/after, holding a message id. */
const isHistoryBound = (value: unknown): value is HistoryBound => {
  if (typeof value !== 'object' || value === null) return false;
  const entries = Object.entries(value);
  return (
    entries.length === 1 && ['before', 'after'].includes(entries[0][0]) && isBigId(entries[0][1])
  );
};

@Injectable()
export class MessagesService {
  /**
   * Edits and deletes of one message take turns here: the row lock orders their commits, but their
   * results can reach this process in another order, and the events must follow the commits.
   */
  private readonly changes = new SerialByKey();

  constructor(
    private readonly repository: MessagesRepository,
    private readonly batcher: MessageBatcher,
    private readonly transactions: TransactionHost,
    private readonly chats: ChatsService,
    private readonly rateLimiter: RateLimiterService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * Stores a message and answers only after it is committed, through the group commit of
   * concurrent sends (see MessageBatcher). Refusals come back as the usual domain errors. Sends
   * count against the sender's limit whatever the transport and replica, so opening more sockets
   * does not multiply it.
   */
  async send(
    senderId: number,
    chatId: number,
    body: string,
    clientMessageId: string | null,
  ): Promise<SendOutcome> {
    await this.rateLimiter.consume(
      'messages-user',
      this.config.rateLimits.messagesPerUser,
      String(senderId),
    );
    const { message, created } = await this.batcher.send({
      senderId,
      chatId,
      body,
      clientMessageId,
    });
    return { message, created };
  }

  /** Resolves once every send received so far is stored and answered (for a graceful shutdown). */
  idle(): Promise<void> {
    return this.batcher.idle();
  }

  /**
   * What a reconnecting client missed, oldest first: after a seq (preferred: seqs have no gaps) or
   * after a message id. `hasMore` says to ask again from the last one.
   */
  async sync(userId: number, chatId: number, after: SyncPoint, limit: number): Promise<SyncResult> {
    await this.chats.assertParticipant(chatId, userId);
    const rows =
      after.afterMessageId !== undefined
        ? await this.repository.listPage(chatId, { after: after.afterMessageId }, limit + 1)
        : await this.repository.listAfterSeq(chatId, after.afterSeq ?? 0, limit + 1);
    return { messages: rows.slice(0, limit).map(toMessageResponse), hasMore: rows.length > limit };
  }

  /** History: newest first by default or before a message id; oldest first after a message id. */
  async list(
    userId: number,
    chatId: number,
    query: ListMessagesQueryDto,
  ): Promise<Page<MessageResponseDto>> {
    await this.chats.assertParticipant(chatId, userId);
    const bound =
      query.cursor !== undefined ? decodeCursor(query.cursor, isHistoryBound) : boundOf(query);
    const rows = await this.repository.listPage(chatId, bound, query.limit + 1);
    const forward = bound !== null && 'after' in bound;
    return toPage(
      rows,
      query.limit,
      (row) => (forward ? { after: row.id } : { before: row.id }),
      toMessageResponse,
    );
  }

  async edit(
    userId: number,
    chatId: number,
    messageId: number,
    body: string,
  ): Promise<MessageResponseDto> {
    await this.limitChanges(userId);
    const { topic } = await this.chats.assertMaySend({ chatId, userId });
    await this.findOwn(userId, chatId, messageId);
    return this.changes.run(String(messageId), async () => {
      return this.transactions.run(async () => {
        const message = await this.repository.edit(messageId, body);
        if (!message) throw new MessagesError(MessagesErrorCode.MESSAGE_DELETED);
        const response = toMessageResponse(message);
        await this.chats.refreshLastMessage(chatId, response);
        this.transactions.publish(MessagesEvents.updated, new MessageUpdatedEvent(response, topic));
        return response;
      });
    });
  }

  /**
   * Leaves a tombstone in the message's place. Deleting it again changes nothing. Unlike an edit, a
   * block does not stop it: taking one's own words back is always allowed.
   */
  async delete(userId: number, chatId: number, messageId: number): Promise<void> {
    await this.limitChanges(userId);
    const { topic } = await this.chats.assertParticipant(chatId, userId);
    await this.findOwn(userId, chatId, messageId);
    await this.changes.run(String(messageId), async () => {
      await this.transactions.run(async () => {
        const tombstone = await this.repository.tombstone(messageId);
        if (!tombstone) return;
        await this.chats.refreshLastMessage(chatId, toMessageResponse(tombstone));
        const event = new MessageDeletedEvent(chatId, messageId, topic);
        this.transactions.publish(MessagesEvents.deleted, event);
      });
    });
  }

  /** Moves my read marker in the chat forward to this message (never back). */
  async markRead(userId: number, chatId: number, messageId: number): Promise<void> {
    await this.chats.assertParticipant(chatId, userId);
    const message = await this.repository.findInChat(chatId, messageId);
    if (!message) throw new MessagesError(MessagesErrorCode.MESSAGE_NOT_FOUND);
    await this.chats.markRead(chatId, userId, message.id, message.seq);
  }

  /** Edits and deletes reach every participant live: a user's count over every transport. */
  private limitChanges(userId: number): Promise<void> {
    const rule = this.config.rateLimits.messageChangesPerUser;
    return this.rateLimiter.consume('message-changes-user', rule, String(userId));
  }

  private async findOwn(userId: number, chatId: number, messageId: number): Promise<Message> {
    const message = await this.repository.findInChat(chatId, messageId);
    if (!message) throw new MessagesError(MessagesErrorCode.MESSAGE_NOT_FOUND);
    if (message.senderId !== userId) throw new MessagesError(MessagesErrorCode.NOT_MESSAGE_SENDER);
    return message;
  }
}

function boundOf(query: ListMessagesQueryDto): HistoryBound | null {
  if (query.after !== undefined) return { after: query.after };
  if (query.before !== undefined) return { before: query.before };
  return null;
}
