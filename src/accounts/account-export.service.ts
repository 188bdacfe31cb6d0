import { Inject, Injectable } from '@nestjs/common';
import { RateLimiterService } from '../common/rate-limit/rate-limiter.service';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { UploadsService } from '../attachments/uploads.service';
import { ChatsService } from '../chats/chats.service';
import { FriendsService } from '../friends/friends.service';
import { MessagesService } from '../messages/messages.service';
import { ReactionsService } from '../messages/reactions.service';
import { UsersService } from '../users/users.service';

/** Messages read per statement: the export streams them, whatever their number. */
const MESSAGE_PAGE = 500;

/**
 * A person's own data as one JSON document (AccountExportDto), written as it is read: the messages,
 * the part that grows, page by page. Of other people it holds only ids, never their words.
 */
@Injectable()
export class AccountExportService {
  constructor(
    private readonly users: UsersService,
    private readonly friends: FriendsService,
    private readonly chats: ChatsService,
    private readonly messages: MessagesService,
    private readonly reactions: ReactionsService,
    private readonly uploads: UploadsService,
    private readonly rateLimiter: RateLimiterService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * Reads everything but the messages first, so a failure there is an ordinary error answer; then
   * the document streams, its messages page by page.
   */
  async document(userId: number): Promise<AsyncGenerator<string>> {
    const rule = this.config.rateLimits.exportsPerUser;
    await this.rateLimiter.consume('exports-user', rule, String(userId));
    const profile = await this.users.getMe(userId);
    const { friends, friendRequests, blocks } = await this.friends.exportOf(userId);
    const head = {
      exportedAt: new Date(),
      profile,
      friends,
      friendRequests,
      blocks,
      memberships: await this.chats.membershipsOf(userId),
      reactions: await this.reactions.ownReactions(userId),
      uploads: await this.uploads.ownedBy(userId),
    };
    return this.stream(head, userId);
  }

  private async *stream(head: object, userId: number): AsyncGenerator<string> {
    yield `${JSON.stringify(head).slice(0, -1)},"messages":[`;
    let separator = '';
    for await (const page of this.messages.ownMessages(userId, MESSAGE_PAGE)) {
      yield separator + page.map((message) => JSON.stringify(message)).join(',');
      separator = ',';
    }
    yield ']}';
  }
}
