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
import { ApiIdParam } from '../common/http/api-schema.decorator';
import { PageOf } from '../common/pagination/page-of.dto';
import { PageQueryDto } from '../common/pagination/page-query.dto';
import { ParseIdPipe } from '../common/validation/parse-id.pipe';
import { ChatMembersService } from './chat-members.service';
import { ChatsService } from './chats.service';
import { AddParticipantsDto } from './dto/add-participants.dto';
import { ChangeRoleDto } from './dto/change-role.dto';
import { ChatResponseDto } from './dto/chat-response.dto';
import { CreateDirectChatDto } from './dto/create-direct-chat.dto';
import { CreateGroupChatDto } from './dto/create-group-chat.dto';
import { RenameChatDto } from './dto/rename-chat.dto';

const ChatPageDto = PageOf(ChatResponseDto);

@ApiTags('chats')
@ApiBearerAuth()
@ApiErrors(401)
@Controller('chats')
export class ChatsController {
  constructor(
    private readonly chats: ChatsService,
    private readonly members: ChatMembersService,
  ) {}

  @Post('direct')
  @ApiOperation({
    summary: 'Open my direct chat with a friend',
    description:
      'Exactly one direct chat per pair: the first call creates it (201), later ones return it (200).',
  })
  @ApiCreatedResponse({ type: ChatResponseDto, description: 'Created' })
  @ApiOkResponse({ type: ChatResponseDto, description: 'It existed already' })
  @ApiErrors(400, 403, 404)
  async openDirect(
    @CurrentUser() user: AuthUser,
    @Body() body: CreateDirectChatDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<ChatResponseDto> {
    const { chat, created } = await this.chats.openDirect(user.id, body.userId);
    reply.status(created ? HttpStatus.CREATED : HttpStatus.OK);
    return chat;
  }

  @Post('groups')
  @ApiOperation({ summary: 'Create a group chat with friends of mine; I am its owner' })
  @ApiCreatedResponse({ type: ChatResponseDto })
  @ApiErrors(400, 403, 409)
  createGroup(
    @CurrentUser() user: AuthUser,
    @Body() body: CreateGroupChatDto,
  ): Promise<ChatResponseDto> {
    return this.chats.createGroup(user.id, body.name, body.memberIds);
  }

  @Get()
  @ApiOperation({
    summary: 'My chats, most recent activity first, with last message and unread count',
  })
  @ApiOkResponse({ type: ChatPageDto })
  @ApiErrors(400)
  list(@CurrentUser() user: AuthUser, @Query() query: PageQueryDto) {
    return this.chats.list(user.id, query);
  }

  @Get(':chatId')
  @ApiOperation({ summary: 'A chat I am in' })
  @ApiOkResponse({ type: ChatResponseDto })
  @ApiErrors(400, 404)
  @ApiIdParam('chatId')
  get(
    @CurrentUser() user: AuthUser,
    @Param('chatId', ParseIdPipe) chatId: number,
  ): Promise<ChatResponseDto> {
    return this.chats.get(user.id, chatId);
  }

  @Patch(':chatId')
  @ApiOperation({ summary: 'Rename a group (owner or admin)' })
  @ApiOkResponse({ type: ChatResponseDto })
  @ApiErrors(400, 403, 404)
  @ApiIdParam('chatId')
  rename(
    @CurrentUser() user: AuthUser,
    @Param('chatId', ParseIdPipe) chatId: number,
    @Body() body: RenameChatDto,
  ): Promise<ChatResponseDto> {
    return this.members.rename(user.id, chatId, body.name);
  }

  @Post(':chatId/participants')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'Add friends of mine to a group (owner or admin); members already in are skipped',
  })
  @ApiOkResponse({ type: ChatResponseDto })
  @ApiErrors(400, 403, 404, 409)
  @ApiIdParam('chatId')
  addParticipants(
    @CurrentUser() user: AuthUser,
    @Param('chatId', ParseIdPipe) chatId: number,
    @Body() body: AddParticipantsDto,
  ): Promise<ChatResponseDto> {
    return this.members.add(user.id, chatId, body.userIds);
  }

  @Patch(':chatId/participants/:userId')
  @ApiOperation({ summary: "Change a member's role to admin or member (owner only)" })
  @ApiOkResponse({ type: ChatResponseDto })
  @ApiErrors(400, 403, 404)
  @ApiIdParam('chatId')
  @ApiIdParam('userId')
  changeRole(
    @CurrentUser() user: AuthUser,
    @Param('chatId', ParseIdPipe) chatId: number,
    @Param('userId', ParseIdPipe) userId: number,
    @Body() body: ChangeRoleDto,
  ): Promise<ChatResponseDto> {
    return this.members.changeRole(user.id, chatId, userId, body.role);
  }

  @Delete(':chatId/participants/:userId')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({
    summary: 'Remove a member, or leave the group when it is me',
    description:
      'The owner removes anyone, an admin removes members. An owner who leaves hands the group to the ' +
      'longest-standing member; the last one out deletes the chat.',
  })
  @ApiNoContentResponse({ description: 'Removed' })
  @ApiErrors(400, 403, 404)
  @ApiIdParam('chatId')
  @ApiIdParam('userId')
  async removeParticipant(
    @CurrentUser() user: AuthUser,
    @Param('chatId', ParseIdPipe) chatId: number,
    @Param('userId', ParseIdPipe) userId: number,
  ): Promise<void> {
    await this.members.remove(user.id, chatId, userId);
  }
}
