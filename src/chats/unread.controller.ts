import { Controller, Get } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AuthUser } from '../common/auth/auth-user';
import { CurrentUser } from '../common/auth/current-user.decorator';
import { ApiErrors } from '../common/http/api-errors.decorator';
import { UnreadTotalsDto } from './dto/unread-totals.dto';
import { ChatsService } from './chats.service';

@ApiTags('chats')
@ApiBearerAuth()
@ApiErrors(401)
@Controller('me')
export class UnreadController {
  constructor(private readonly chats: ChatsService) {}

  @Get('unread')
  @ApiOperation({
    operationId: 'getUnreadTotals',
    summary: 'What waits for me across all my chats (an app badge)',
    description:
      'Counted from my read markers in one query, whatever the number of my chats: `messages` ' +
      'after my markers (in a muted chat only those that mention me), the `chats` holding them, ' +
      'and the `mentions` of me in every chat.',
  })
  @ApiOkResponse({ type: UnreadTotalsDto })
  unread(@CurrentUser() user: AuthUser): Promise<UnreadTotalsDto> {
    return this.chats.unreadTotals(user.id);
  }
}
