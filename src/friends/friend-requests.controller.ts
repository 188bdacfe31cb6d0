import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  HttpStatus,
  Param,
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
import { FriendRequestResponseDto } from './dto/friend-request-response.dto';
import { ListFriendRequestsQueryDto } from './dto/list-friend-requests-query.dto';
import { SendFriendRequestDto } from './dto/send-friend-request.dto';
import { FriendRequestsService } from './friend-requests.service';

const FriendRequestPageDto = PageOf(FriendRequestResponseDto);

@ApiTags('friends')
@ApiBearerAuth()
@ApiErrors(401)
@Controller('friend-requests')
export class FriendRequestsController {
  constructor(private readonly requests: FriendRequestsService) {}

  @Post()
  @ApiOperation({
    operationId: 'sendFriendRequest',
    summary: 'Send a friend request',
    description:
      'When the other user already sent me a pending request, that one is accepted instead (200) and we are friends.',
  })
  @ApiCreatedResponse({ type: FriendRequestResponseDto, description: 'The new pending request' })
  @ApiOkResponse({
    type: FriendRequestResponseDto,
    description: 'Their pending request, now accepted',
  })
  @ApiErrors(400, 403, 404, 409, 429)
  async send(
    @CurrentUser() user: AuthUser,
    @Body() body: SendFriendRequestDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<FriendRequestResponseDto> {
    const { request, created } = await this.requests.send(
      user.id,
      body.toUserId,
      body.message ?? null,
    );
    reply.status(created ? HttpStatus.CREATED : HttpStatus.OK);
    return request;
  }

  @Get()
  @ApiOperation({
    operationId: 'listFriendRequests',
    summary: 'My incoming or outgoing friend requests, newest first',
    description:
      'Incoming unless `direction=outgoing`; every status unless `status` narrows it. Each request ' +
      'carries the public profiles of both users.',
  })
  @ApiOkResponse({ type: FriendRequestPageDto })
  @ApiErrors(400)
  list(@CurrentUser() user: AuthUser, @Query() query: ListFriendRequestsQueryDto) {
    return this.requests.list(user.id, query);
  }

  @Post(':requestId/accept')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    operationId: 'acceptFriendRequest',
    summary: 'Accept a friend request sent to me; we become friends',
    description:
      'Only the recipient answers (the sender gets 403); a request that is no longer pending is ' +
      '409, and one I neither sent nor received is 404.',
  })
  @ApiOkResponse({ type: FriendRequestResponseDto })
  @ApiErrors(400, 403, 404, 409)
  @ApiIdParam('requestId')
  accept(
    @CurrentUser() user: AuthUser,
    @Param('requestId', ParseIdPipe) requestId: number,
  ): Promise<FriendRequestResponseDto> {
    return this.requests.accept(user.id, requestId);
  }

  @Post(':requestId/reject')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    operationId: 'rejectFriendRequest',
    summary: 'Reject a friend request sent to me',
    description:
      'Only the recipient answers (the sender gets 403); a request that is no longer pending is ' +
      '409. The sender is free to ask again later.',
  })
  @ApiOkResponse({ type: FriendRequestResponseDto })
  @ApiErrors(400, 403, 404, 409)
  @ApiIdParam('requestId')
  reject(
    @CurrentUser() user: AuthUser,
    @Param('requestId', ParseIdPipe) requestId: number,
  ): Promise<FriendRequestResponseDto> {
    return this.requests.reject(user.id, requestId);
  }

  @Delete(':requestId')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({
    operationId: 'withdrawFriendRequest',
    summary: 'Withdraw a pending friend request I sent',
    description:
      'Only the sender withdraws (the recipient gets 403), and only while the request is pending ' +
      '(else 409). The request is removed.',
  })
  @ApiNoContentResponse({ description: 'Withdrawn' })
  @ApiErrors(400, 403, 404, 409)
  @ApiIdParam('requestId')
  async withdraw(
    @CurrentUser() user: AuthUser,
    @Param('requestId', ParseIdPipe) requestId: number,
  ): Promise<void> {
    await this.requests.withdraw(user.id, requestId);
  }
}
