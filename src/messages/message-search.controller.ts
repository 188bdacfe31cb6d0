import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AuthUser } from '../common/auth/auth-user';
import { CurrentUser } from '../common/auth/current-user.decorator';
import { ApiErrors } from '../common/http/api-errors.decorator';
import { PageOf } from '../common/pagination/page-of.dto';
import { Page } from '../common/pagination/page';
import { SearchHitDto } from './dto/search-hit.dto';
import { SearchMessagesQueryDto } from './dto/search-messages-query.dto';
import { MessageSearchService } from './message-search.service';

const SearchHitPageDto = PageOf(SearchHitDto);

@ApiTags('messages')
@ApiBearerAuth()
@ApiErrors(401)
@Controller('messages')
export class MessageSearchController {
  constructor(private readonly search: MessageSearchService) {}

  @Get('search')
  @ApiOperation({
    operationId: 'searchMessages',
    summary: 'Search the messages of the chats I am in',
    description:
      'Full-text search, newest first: words as typed in a web search (`"a phrase"`, `or`, ' +
      '`-without`). Only chats I am in now, never deleted messages, edited ones by their new text. ' +
      'A query with no word is 400 `SEARCH_QUERY_EMPTY`; one that would run too long is 400 ' +
      '`QUERY_TOO_BROAD` (add words or a `chatId`). Limited per user (429).',
  })
  @ApiOkResponse({ type: SearchHitPageDto })
  @ApiErrors(400, 429)
  find(
    @CurrentUser() user: AuthUser,
    @Query() query: SearchMessagesQueryDto,
  ): Promise<Page<SearchHitDto>> {
    return this.search.search(user.id, query);
  }
}
