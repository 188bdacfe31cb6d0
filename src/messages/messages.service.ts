import { Inject, Injectable } from '@nestjs/common';
import { isBigId } from '../common/pagination/cursor-keys';
import { decodeCursor, Page, toPage } from '../common/pagination/page';
import { ChatsService } from '../chats/chats.service';
import { RateLimiterService } from '../common/rate-limit/rate-limiter.service';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { TransactionHost } from '../database/transaction-host';
import { ChangesResponseDto } from './dto/changes-response.dto';
import { ListMessagesQueryDto } from './dto/list-messages-query.dto';
import { MessageResponseDto } from './dto/message-response.dto';
import { Message } from './entities/message.entity';
import { MessageBatcher, SendRequest } from './message-batcher';
import { MessageEdit } from './message-changes';
import { MessageFiles } from './message-files';
import { MessagesError, MessagesErrorCode } from './messages.errors';
import { HistoryBound, MessagesRepository, OwnMessageExport } from './messages.repository';

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
  constructor(
    private readonly repository: MessagesRepository,
    private readonly batcher: MessageBatcher,
    private readonly transactions: TransactionHost,
    private readonly chats: ChatsService,
    private readonly rateLimiter: RateLimiterService,
    private readonly files: MessageFiles,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * Stores a message and answers only after it is committed, through the group commit of
   * concurrent sends (see MessageBatcher). Refusals come back as the usual domain errors. Sends
   * count against the sender's limit whatever the transport and replica, so opening more sockets
   * does not multiply it.
   */
  async send(request: SendRequest): Promise<SendOutcome> {
    const limit = this.config.rateLimits.messagesPerUser;
    // Checked here as well as in the limiter: even a resolved await costs every message a turn.
    if (limit) await this.rateLimiter.consume('messages-user', limit, String(request.senderId));
    const { message, created } = await this.batcher.send(request);
    return { message, created };
  }

  /** Resolves once every send received so far is stored and answered (for a graceful shutdown). */
  idle(): Promise<void> {
    return this.batcher.idle();
  }

  /**
   * What a reconnecting client missed, oldest first: after a seq (preferred: seqs have no gaps) or
   * after a message id. `hasMore` says to ask again from the last one. New messages only: the
   * change feed (`changes`) also brings edits, deletes and reactions.
   */
  async sync(userId: number, chatId: number, after: SyncPoint, limit: number): Promise<SyncResult> {
    await this.chats.assertParticipant(chatId, userId);
    const rows =
      after.afterMessageId !== undefined
        ? await this.repository.listPage(chatId, { after: after.afterMessageId }, limit + 1, userId)
        : await this.repository.listAfterSeq(chatId, after.afterSeq ?? 0, limit + 1, userId);
    const messages = await this.files.responses(rows.slice(0, limit), userId);
    return { messages, hasMore: rows.length > limit };
  }

  /**
   * The change feed: the current state of every message changed after `afterRev`, in rev order,
   * and the chat when it changed itself, read in one snapshot so that `upToRev` covers exactly
   * what the page holds. Costs one index range scan on (chat_id, rev) at any depth.
   */
  changes(
    userId: number,
    chatId: number,
    afterRev: number,
    limit: number,
  ): Promise<ChangesResponseDto> {
    return this.transactions.snapshot(async () => {
      const chat = await this.chats.get(userId, chatId);
      const rows = await this.repository.listAfterRev(chatId, afterRev, limit + 1, userId);
      const hasMore = rows.length > limit;
      const messages = await this.files.responses(rows.slice(0, limit), userId);
      const upToRev = hasMore
        ? messages[messages.length - 1].rev
        : Math.max(chat.lastRev, afterRev);
      const chatChanged = chat.rev > afterRev && chat.rev <= upToRev;
      return { messages, chat: chatChanged ? chat : null, upToRev, hasMore };
    });
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
    const rows = await this.repository.listPage(chatId, bound, query.limit + 1, userId);
    const forward = bound !== null && 'after' in bound;
    const responses = await this.files.responses(rows.slice(0, query.limit), userId);
    return toPage(
      rows,
      query.limit,
      (row) => (forward ? { after: row.id } : { before: row.id }),
      (_row, i) => responses[i],
    );
  }

  /** The user's own messages, oldest first, in pages: their export streams them. */
  async *ownMessages(userId: number, pageSize: number): AsyncGenerator<OwnMessageExport[]> {
    for (let afterId = 0; ;) {
      const page = await this.repository.ownMessages(userId, afterId, pageSize);
      if (page.length > 0) yield page;
      if (page.length < pageSize) return;
      afterId = page[page.length - 1].id;
    }
  }

  /**
   * Erases the messages of the user (whose account is deleted) among the next `limit` they sent
   * after `afterId`, oldest first: each becomes a tombstone as if they had deleted it, with its rev
   * and event. Answers where to go on from, or null at the end. The page is the same whether or
   * not it was erased before, so running a step again answers the same and changes nothing.
   */
  async eraseOwn(userId: number, afterId: number, limit: number): Promise<number | null> {
    const page = await this.repository.ownMessages(userId, afterId, limit);
    await Promise.all(
      page
        .filter((message) => message.deletedAt === null)
        .map(({ id, chatId }) =>
          this.batcher.change({ userId, chatId, messageId: id, edit: null, erasure: true }),
        ),
    );
    return page.length === limit ? page[page.length - 1].id : null;
  }

  /** The message as stored now, for a notification about it; null when it is not there. */
  current(chatId: number, messageId: number): Promise<Message | null> {
    return this.repository.findInChat(chatId, messageId);
  }

  /**
   * Only the sender, only as a send would pass the gate; a deleted message is 409. Mentions, when
   * given, replace the message's own: those newly mentioned get their chat back from their archive.
   * Edits and deletes ride the flushes of sends (see MessageChanges): each takes the chat's next
   * rev, each reply to the message one more, and is announced with it.
   */
  async edit(
    userId: number,
    chatId: number,
    messageId: number,
    edit: MessageEdit,
  ): Promise<MessageResponseDto> {
    await this.limitChanges(userId);
    const { message } = await this.batcher.change({ userId, chatId, messageId, edit });
    // Only a delete of a deleted message answers null: an edit of one is refused (409).
    return message!;
  }

  /**
   * Leaves a tombstone in the message's place that says who deleted it: the sender, or an owner or
   * admin of the group (moderation). Deleting it again changes nothing. Unlike an edit, a block does
   * not stop it: taking one's own words back is always allowed.
   */
  async delete(userId: number, chatId: number, messageId: number): Promise<void> {
    await this.limitChanges(userId);
    await this.batcher.change({ userId, chatId, messageId, edit: null });
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
}

function boundOf(query: ListMessagesQueryDto): HistoryBound | null {
  if (query.after !== undefined) return { after: query.after };
  if (query.before !== undefined) return { before: query.before };
  return null;
}
