import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  HttpStatus,
  Param,
  Patch,
  Post,
  Query,
  Res,
} from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { FastifyReply } from 'fastify';
import { AuthUser } from '../common/auth/auth-user';
import { CurrentUser } from '../common/auth/current-user.decorator';
import { ApiErrors } from '../common/http/api-errors.decorator';
import { ApiBigIdParam, ApiIdParam } from '../common/http/api-schema.decorator';
import { PageOf } from '../common/pagination/page-of.dto';
import { ParseBigIdPipe, ParseIdPipe } from '../common/validation/parse-id.pipe';
import { ChangesQueryDto } from './dto/changes-query.dto';
import { ChangesResponseDto } from './dto/changes-response.dto';
import { EditMessageDto } from './dto/edit-message.dto';
import { ListMessagesQueryDto } from './dto/list-messages-query.dto';
import { MarkReadDto } from './dto/mark-read.dto';
import { MessageResponseDto } from './dto/message-response.dto';
import { SendMessageDto } from './dto/send-message.dto';
import { MessagesService } from './messages.service';

const MessagePageDto = PageOf(MessageResponseDto);

@ApiTags('messages')
@ApiBearerAuth()
@ApiErrors(401)
@ApiIdParam('chatId')
@Controller('chats/:chatId')
export class MessagesController {
  constructor(private readonly messages: MessagesService) {}

  @Get('messages')
  @ApiOperation({
    operationId: 'listMessages',
    summary: 'Message history of a chat I am in',
    description:
      'Newest first, or before a message id; with `after` oldest first, to catch up. Deleted messages stay as tombstones.',
  })
  @ApiOkResponse({ type: MessagePageDto })
  @ApiErrors(400, 404)
  list(
    @CurrentUser() user: AuthUser,
    @Param('chatId', ParseIdPipe) chatId: number,
    @Query() query: ListMessagesQueryDto,
  ) {
    return this.messages.list(user.id, chatId, query);
  }

  @Post('messages')
  @ApiOperation({
    operationId: 'sendMessage',
    summary: 'Send a message',
    description:
      'Answered after the message is committed. A resend with the same clientMessageId returns the first message (200).',
  })
  @ApiCreatedResponse({ type: MessageResponseDto, description: 'Stored' })
  @ApiOkResponse({
    type: MessageResponseDto,
    description: 'Stored before, under this clientMessageId',
  })
  @ApiErrors(400, 403, 404, 409, 429)
  async send(
    @CurrentUser() user: AuthUser,
    @Param('chatId', ParseIdPipe) chatId: number,
    @Body() body: SendMessageDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<MessageResponseDto> {
    const { message, created } = await this.messages.send({
      senderId: user.id,
      chatId,
      body: body.body,
      clientMessageId: body.clientMessageId ?? null,
      replyToId: body.replyToId ?? null,
      attachmentIds: body.attachmentIds ?? [],
      mentions: body.mentions ?? [],
    });
    reply.status(created ? HttpStatus.CREATED : HttpStatus.OK);
    return message;
  }

  @Get('changes')
  @ApiOperation({
    operationId: 'listChatChanges',
    summary: 'Everything that changed in a chat after a rev (the change feed)',
    description:
      'The current state of every message changed after `afterRev` (sent, edited, deleted, reacted to), in rev ' +
      'order, and the chat when it changed itself. Apply it, keep `upToRev` and ask again while `hasMore`: you ' +
      'then hold exactly what a fresh `GET` shows. The same as socket `sync {chatId, afterRev}`.',
  })
  @ApiOkResponse({ type: ChangesResponseDto })
  @ApiErrors(400, 404)
  changes(
    @CurrentUser() user: AuthUser,
    @Param('chatId', ParseIdPipe) chatId: number,
    @Query() query: ChangesQueryDto,
  ): Promise<ChangesResponseDto> {
    return this.messages.changes(user.id, chatId, query.afterRev, query.limit);
  }

  @Patch('messages/:messageId')
  @ApiOperation({
    operationId: 'editMessage',
    summary: 'Edit my message',
    description:
      'Only the sender (403 `NOT_MESSAGE_SENDER`); a deleted message is 409 `MESSAGE_DELETED`. ' +
      'Sets `editedAt`; participants get `message:updated`.',
  })
  @ApiOkResponse({ type: MessageResponseDto })
  @ApiErrors(400, 403, 404, 409, 429)
  @ApiBigIdParam('messageId')
  edit(
    @CurrentUser() user: AuthUser,
    @Param('chatId', ParseIdPipe) chatId: number,
    @Param('messageId', ParseBigIdPipe) messageId: number,
    @Body() body: EditMessageDto,
  ): Promise<MessageResponseDto> {
    return this.messages.edit(user.id, chatId, messageId, body);
  }

  @Delete('messages/:messageId')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({
    operationId: 'deleteMessage',
    summary: 'Delete a message (it stays in history as a tombstone)',
    description:
      'The sender, or an owner or admin of the group (moderation); anyone else gets 403 ' +
      '`NOT_MESSAGE_SENDER`. The body is removed, `deletedAt` and `deletedBy` set; deleting ' +
      'again is 204 too. Participants get `message:deleted`.',
  })
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiErrors(400, 403, 404, 429)
  @ApiBigIdParam('messageId')
  async delete(
    @CurrentUser() user: AuthUser,
    @Param('chatId', ParseIdPipe) chatId: number,
    @Param('messageId', ParseBigIdPipe) messageId: number,
  ): Promise<void> {
    await this.messages.delete(user.id, chatId, messageId);
  }

  @Post('read')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({
    operationId: 'markChatRead',
    summary: 'Move my read marker forward to this message (never back)',
    description:
      'A message of this chat (else 404 `MESSAGE_NOT_FOUND`). `unreadCount` then counts the ' +
      'messages after it; participants get `chat:read`.',
  })
  @ApiNoContentResponse({ description: 'Marked' })
  @ApiErrors(400, 404)
  async markRead(
    @CurrentUser() user: AuthUser,
    @Param('chatId', ParseIdPipe) chatId: number,
    @Body() body: MarkReadDto,
  ): Promise<void> {
    await this.messages.markRead(user.id, chatId, body.messageId);
  }
}
