import { Controller, Delete, Get, Param, Put, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { AuthUser } from '../common/auth/auth-user';
import { CurrentUser } from '../common/auth/current-user.decorator';
import { ApiErrors } from '../common/http/api-errors.decorator';
import { ApiBigIdParam, ApiIdParam } from '../common/http/api-schema.decorator';
import { PageOf } from '../common/pagination/page-of.dto';
import { PageQueryDto } from '../common/pagination/page-query.dto';
import { ParseBigIdPipe, ParseIdPipe } from '../common/validation/parse-id.pipe';
import { EMOJI_SCHEMA, ParseReactionEmojiPipe } from './dto/reaction-emoji';
import { ReactionResponseDto } from './dto/reaction-response.dto';
import { ReactorResponseDto } from './dto/reactor-response.dto';
import { ReactionsService } from './reactions.service';

const ReactorPageDto = PageOf(ReactorResponseDto);

@ApiTags('messages')
@ApiBearerAuth()
@ApiErrors(401)
@ApiIdParam('chatId')
@ApiBigIdParam('messageId')
@ApiParam({ name: 'emoji', schema: { ...EMOJI_SCHEMA }, description: 'URL-encoded' })
@Controller('chats/:chatId/messages/:messageId/reactions/:emoji')
export class ReactionsController {
  constructor(private readonly reactions: ReactionsService) {}

  @Put()
  @ApiOperation({
    operationId: 'addReaction',
    summary: 'React to a message',
    description:
      'Idempotent: reacting again changes nothing. At most 20 different emoji per message (409 `REACTION_LIMIT`); ' +
      'a deleted message is 409 `MESSAGE_DELETED`; in a direct chat, only while the two may message (403). ' +
      'Participants get `message:reactions`.',
  })
  @ApiOkResponse({ type: ReactionResponseDto })
  @ApiErrors(400, 403, 404, 409, 429)
  add(
    @CurrentUser() user: AuthUser,
    @Param('chatId', ParseIdPipe) chatId: number,
    @Param('messageId', ParseBigIdPipe) messageId: number,
    @Param('emoji', ParseReactionEmojiPipe) emoji: string,
  ): Promise<ReactionResponseDto> {
    return this.reactions.set(user.id, chatId, messageId, emoji, true);
  }

  @Delete()
  @ApiOperation({
    operationId: 'removeReaction',
    summary: 'Take my reaction back',
    description:
      'Answers 200 also when I had not reacted with it. Participants get `message:reactions`.',
  })
  @ApiOkResponse({ type: ReactionResponseDto })
  @ApiErrors(400, 404, 409, 429)
  remove(
    @CurrentUser() user: AuthUser,
    @Param('chatId', ParseIdPipe) chatId: number,
    @Param('messageId', ParseBigIdPipe) messageId: number,
    @Param('emoji', ParseReactionEmojiPipe) emoji: string,
  ): Promise<ReactionResponseDto> {
    return this.reactions.set(user.id, chatId, messageId, emoji, false);
  }

  @Get()
  @ApiOperation({
    operationId: 'listReactors',
    summary: 'Who reacted to a message with this emoji',
    description: 'Oldest first.',
  })
  @ApiOkResponse({ type: ReactorPageDto })
  @ApiErrors(400, 404)
  list(
    @CurrentUser() user: AuthUser,
    @Param('chatId', ParseIdPipe) chatId: number,
    @Param('messageId', ParseBigIdPipe) messageId: number,
    @Param('emoji', ParseReactionEmojiPipe) emoji: string,
    @Query() query: PageQueryDto,
  ) {
    return this.reactions.listReactors(user.id, chatId, messageId, emoji, query);
  }
}
