import { Inject, Injectable } from '@nestjs/common';
import { ChatsService } from '../chats/chats.service';
import { isIntId, isIsoTimestamp } from '../common/pagination/cursor-keys';
import { decodeCursor, Page, toPage } from '../common/pagination/page';
import { PageQueryDto } from '../common/pagination/page-query.dto';
import { RateLimiterService } from '../common/rate-limit/rate-limiter.service';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { UsersService } from '../users/users.service';
import { MessageBatcher } from './message-batcher';
import { ReactionResponseDto } from './dto/reaction-response.dto';
import { ReactorResponseDto } from './dto/reactor-response.dto';
import { MessagesError, MessagesErrorCode } from './messages.errors';
import { MessagesRepository } from './messages.repository';
import { OwnReactionExport, ReactionsRepository, ReactorCursor } from './reactions.repository';

const isReactorCursor = (value: unknown): value is ReactorCursor => {
  const cursor = value as ReactorCursor | null;
  return isIsoTimestamp(cursor?.at) && isIntId(cursor?.id);
};

/**
 * Reactions: one row per person and emoji, counts always counted from the rows. Setting one is a
 * change of its message: under the chat's lock, it takes the chat's next rev when a row came or
 * went, and is announced with the emoji's count after it.
 */
/** Reactions of a deleted account taken off at once: one flush's worth, not the whole backlog. */
const ERASURE_BATCH = 100;

@Injectable()
export class ReactionsService {
  constructor(
    private readonly reactions: ReactionsRepository,
    private readonly messages: MessagesRepository,
    private readonly batcher: MessageBatcher,
    private readonly chats: ChatsService,
    private readonly users: UsersService,
    private readonly rateLimiter: RateLimiterService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** The user's own reactions, for their export. */
  ownReactions(userId: number): Promise<OwnReactionExport[]> {
    return this.reactions.ownReactions(userId);
  }

  /**
   * Takes off every reaction of the user (whose account is deleted), each as they would take it
   * off themselves: counts, revs and events follow.
   */
  async eraseOwn(userId: number): Promise<void> {
    const own = await this.reactions.ownReactions(userId);
    for (let i = 0; i < own.length; i += ERASURE_BATCH) {
      await Promise.all(
        own
          .slice(i, i + ERASURE_BATCH)
          .map(({ chatId, messageId, emoji }) =>
            this.batcher.react({ userId, chatId, messageId, emoji, on: false, erasure: true }),
          ),
      );
    }
  }

  /**
   * Puts my reaction on (the gate of sending applies) or takes it off (as a delete, taking one's
   * own back is always allowed). Repeating either changes nothing and answers the same. Reactions
   * go through the group commit of sends (see MessageBatcher): one lock of their chat per flush.
   */
  async set(
    userId: number,
    chatId: number,
    messageId: number,
    emoji: string,
    on: boolean,
  ): Promise<ReactionResponseDto> {
    const rule = this.config.rateLimits.reactionsPerUser;
    await this.rateLimiter.consume('reactions-user', rule, String(userId));
    const { reaction } = await this.batcher.react({ userId, chatId, messageId, emoji, on });
    return {
      messageId,
      emoji: reaction.emoji,
      count: reaction.count,
      me: reaction.me,
      rev: reaction.rev,
    };
  }

  /** Who reacted to a message of a chat I am in with the emoji, oldest first. */
  async listReactors(
    userId: number,
    chatId: number,
    messageId: number,
    emoji: string,
    query: PageQueryDto,
  ): Promise<Page<ReactorResponseDto>> {
    await this.chats.assertParticipant(chatId, userId);
    if (!(await this.messages.findInChat(chatId, messageId))) {
      throw new MessagesError(MessagesErrorCode.MESSAGE_NOT_FOUND);
    }
    const after = query.cursor === undefined ? null : decodeCursor(query.cursor, isReactorCursor);
    const rows = await this.reactions.listReactors(messageId, emoji, after, query.limit + 1);
    const profiles = await this.users.getProfiles(rows.map((row) => row.userId));
    return toPage(
      rows,
      query.limit,
      (row) => ({ at: row.reactedAt.toISOString(), id: row.userId }),
      (row) => ({ user: profiles.get(row.userId)!, reactedAt: row.reactedAt.toISOString() }),
    );
  }
}
