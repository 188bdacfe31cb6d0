import { Inject, Injectable } from '@nestjs/common';
import { ChatsService } from '../chats/chats.service';
import { TurnsByKey } from '../common/concurrency/turns-by-key';
import { isBigId } from '../common/pagination/cursor-keys';
import { decodeCursor, Page, toPage } from '../common/pagination/page';
import { RateLimiterService } from '../common/rate-limit/rate-limiter.service';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { isPgError, PG_QUERY_CANCELED } from '../database/pg-errors';
import { TransactionHost } from '../database/transaction-host';
import { SearchHitDto } from './dto/search-hit.dto';
import { SearchMessagesQueryDto } from './dto/search-messages-query.dto';
import { MessageFiles } from './message-files';
import { MessagesError, MessagesErrorCode } from './messages.errors';
import { MessagesRepository, SearchHitView } from './messages.repository';

interface SearchCursor {
  before: number;
}

const isSearchCursor = (value: unknown): value is SearchCursor =>
  typeof value === 'object' &&
  value !== null &&
  Object.keys(value).length === 1 &&
  isBigId((value as SearchCursor).before);

/**
 * Full-text search of the messages of the chats I am in now: PostgreSQL's websearch syntax over the
 * generated search_vector, newest first. A search that runs past SEARCH_STATEMENT_TIMEOUT_MS is
 * cancelled by the database and refused, so a broad query cannot hold a connection for long, and
 * only a few run at once.
 */
@Injectable()
export class MessageSearchService {
  /**
   * Searches this process runs at once, each holding a pooled connection for up to the statement
   * timeout: a quarter of the pool, so that a burst of broad searches queues here instead of
   * starving sends of connections.
   */
  private readonly searches: TurnsByKey;

  constructor(
    private readonly repository: MessagesRepository,
    private readonly chats: ChatsService,
    private readonly files: MessageFiles,
    private readonly transactions: TransactionHost,
    private readonly rateLimiter: RateLimiterService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.searches = new TurnsByKey(Math.max(1, Math.floor(config.database.poolSize / 4)));
  }

  async search(userId: number, query: SearchMessagesQueryDto): Promise<Page<SearchHitDto>> {
    const rule = this.config.rateLimits.searchPerUser;
    await this.rateLimiter.consume('messages-search-user', rule, String(userId));
    const after = query.cursor === undefined ? null : decodeCursor(query.cursor, isSearchCursor);
    const chatId = query.chatId ?? null;
    // A chat I am not in finds nothing, without the database searching it.
    if (chatId !== null && (await this.chats.participantsAmong(chatId, [userId])).size === 0) {
      return { items: [], nextCursor: null };
    }
    const rows = await this.searches.run('search', () =>
      this.find(userId, query.q, {
        chatId,
        beforeId: after?.before ?? null,
        limit: query.limit + 1,
      }),
    );
    const messages = await this.files.responses(rows.slice(0, query.limit), userId);
    return toPage(
      rows,
      query.limit,
      (row) => ({ before: row.id }),
      (row, i) => ({ message: messages[i], highlight: row.highlight }),
    );
  }

  private async find(
    userId: number,
    text: string,
    scope: { chatId: number | null; beforeId: number | null; limit: number },
  ): Promise<SearchHitView[]> {
    const { textConfig: config, statementTimeoutMs } = this.config.search;
    try {
      return await this.transactions.run(async () => {
        if (!(await this.repository.prepareSearch(config, text, statementTimeoutMs))) {
          throw new MessagesError(MessagesErrorCode.SEARCH_QUERY_EMPTY);
        }
        const isMember = this.chats.participantCondition('s.chat_id', '$1');
        return this.repository.search(userId, text, { config, ...scope }, isMember);
      });
    } catch (error) {
      if (isPgError(error, PG_QUERY_CANCELED)) {
        throw new MessagesError(MessagesErrorCode.QUERY_TOO_BROAD);
      }
      throw error;
    }
  }
}
