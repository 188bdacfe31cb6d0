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
import { ParseIdPipe } from '../common/validation/parse-id.pipe';
import { ChatMembersService } from './chat-members.service';
import { ChatsService } from './chats.service';
import { AddParticipantsDto } from './dto/add-participants.dto';
import { ChangeRoleDto } from './dto/change-role.dto';
import { ChatSettingsDto, UpdateChatSettingsDto } from './dto/chat-settings.dto';
import { ListChatsQueryDto } from './dto/list-chats-query.dto';
import { ReadMarkerResponseDto } from './dto/read-marker-response.dto';
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
    operationId: 'openDirectChat',
    summary: 'Open my direct chat with a friend',
    description:
      'Exactly one direct chat per pair: the first call creates it (201), later ones return it (200). ' +
      'Needs a friendship and no block either way (403 `DIRECT_CHAT_NOT_ALLOWED`).',
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
  @ApiOperation({
    operationId: 'createGroupChat',
    summary: 'Create a group chat with friends of mine; I am its owner',
    description:
      'Every member must be my friend (403 `MEMBERS_NOT_FRIENDS`); a group holds at most 500 ' +
      'members, me included (409 `GROUP_FULL`). Members connected over Socket.IO get `chat:created`.',
  })
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
    operationId: 'listChats',
    summary: 'My chats, most recent activity first, with last message and unread count',
    description:
      '`unreadCount` counts the messages after my read marker, `unreadMentionCount` those of them ' +
      'that mention me. A chat with a new message moves to the top; follow `nextCursor` for older ' +
      'ones. `archived=false` is the main list, `archived=true` the archive.',
  })
  @ApiOkResponse({ type: ChatPageDto })
  @ApiErrors(400)
  list(@CurrentUser() user: AuthUser, @Query() query: ListChatsQueryDto) {
    return this.chats.list(user.id, query);
  }

  @Get(':chatId')
  @ApiOperation({
    operationId: 'getChat',
    summary: 'A chat I am in',
    description:
      'With participants, last message and my unread count. A chat I am not in is 404, exactly ' +
      'like one that does not exist.',
  })
  @ApiOkResponse({ type: ChatResponseDto })
  @ApiErrors(400, 404)
  @ApiIdParam('chatId')
  get(
    @CurrentUser() user: AuthUser,
    @Param('chatId', ParseIdPipe) chatId: number,
  ): Promise<ChatResponseDto> {
    return this.chats.get(user.id, chatId);
  }

  @Get(':chatId/read-markers')
  @ApiOperation({
    operationId: 'listReadMarkers',
    summary: 'Read receipts: how far each participant has read',
    description:
      "Each participant's read marker once it has moved, by user id, with when it last moved. " +
      'A participant who turned `shareReadReceipts` off is listed to no one but themself. A chat I ' +
      'am not in is 404.',
  })
  @ApiOkResponse({ type: [ReadMarkerResponseDto] })
  @ApiErrors(400, 404)
  @ApiIdParam('chatId')
  readMarkers(
    @CurrentUser() user: AuthUser,
    @Param('chatId', ParseIdPipe) chatId: number,
  ): Promise<ReadMarkerResponseDto[]> {
    return this.chats.readMarkers(user.id, chatId);
  }

  @Patch(':chatId/settings')
  @ApiOperation({
    operationId: 'updateChatSettings',
    summary: 'Mute or archive a chat, for me only',
    description:
      'Fields left out keep their value. Nobody else sees my settings; my own connected devices ' +
      'get `chat:settings`. A new message does not bring an archived chat back unless it mentions ' +
      'me. A chat I am not in is 404.',
  })
  @ApiOkResponse({ type: ChatSettingsDto })
  @ApiErrors(400, 404)
  @ApiIdParam('chatId')
  updateSettings(
    @CurrentUser() user: AuthUser,
    @Param('chatId', ParseIdPipe) chatId: number,
    @Body() body: UpdateChatSettingsDto,
  ): Promise<ChatSettingsDto> {
    return this.chats.updateSettings(user.id, chatId, body);
  }

  @Patch(':chatId')
  @ApiOperation({
    operationId: 'renameChat',
    summary: 'Rename a group (owner or admin)',
    description:
      'Groups only: a direct chat is 400 `NOT_A_GROUP_CHAT`. A plain member gets 403 ' +
      '`NOT_CHAT_ADMIN`. Participants get `chat:updated`.',
  })
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
    operationId: 'addParticipants',
    summary: 'Add friends of mine to a group (owner or admin); members already in are skipped',
    description:
      'New members must be my friends (403 `MEMBERS_NOT_FRIENDS`) and the group stays within 500 ' +
      'members (409 `GROUP_FULL`). Their connected sockets join the chat at once.',
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
  @ApiOperation({
    operationId: 'changeParticipantRole',
    summary: "Change a member's role to admin or member (owner only)",
    description:
      'Only the owner (403 `NOT_CHAT_OWNER`), and not for the owner: ownership passes on only when ' +
      'the owner leaves (403 `OWNER_ROLE_FIXED`). 404 `PARTICIPANT_NOT_FOUND` when they are not in it.',
  })
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
    operationId: 'removeParticipant',
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
