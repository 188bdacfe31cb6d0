import { Body, Controller, HttpStatus, Put, Res } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import { FastifyReply } from 'fastify';
import { ApiErrors } from '../common/http/api-errors.decorator';
import { AdminRoute } from './admin-route.decorator';
import { AdminUsersService } from './admin-users.service';
import { BefriendUsersDto, FriendshipResponseDto } from './dto/befriend-users.dto';

@AdminRoute()
@Controller('admin/friendships')
export class AdminFriendshipsController {
  constructor(private readonly admin: AdminUsersService) {}

  @Put()
  @ApiOperation({
    operationId: 'befriendUsers',
    summary: 'Make two users friends',
    description:
      'For apps whose own rules decide who may talk: no request, no acceptance. A pending request ' +
      'between them is accepted; friends already is 200 with `created: false`. A block either way ' +
      'is 409 `USERS_BLOCKED`; the same user twice is 400 `FRIENDSHIP_WITH_SELF`.',
  })
  @ApiCreatedResponse({ type: FriendshipResponseDto, description: 'They are friends now' })
  @ApiOkResponse({ type: FriendshipResponseDto, description: 'They were friends already' })
  @ApiErrors(400, 409)
  async befriend(
    @Body() body: BefriendUsersDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<FriendshipResponseDto> {
    const friendship = await this.admin.befriend(body.userIds);
    reply.status(friendship.created ? HttpStatus.CREATED : HttpStatus.OK);
    return friendship;
  }
}
