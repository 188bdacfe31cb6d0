import { Controller, Get, Headers, HttpStatus, Param, Query, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { FastifyReply } from 'fastify';
import { Public } from '../common/auth/public.decorator';
import { ApiErrors } from '../common/http/api-errors.decorator';
import { ApiIdParam } from '../common/http/api-schema.decorator';
import { ParseIdPipe } from '../common/validation/parse-id.pipe';
import { AVATAR_CONTENT_TYPES } from './avatar-image-type';
import { replyWithAvatar } from './avatar-reply';
import { AvatarLinkQueryDto } from './dto/avatar-link-query.dto';
import { UsersService } from './users.service';

/** Avatars by signed link (`displayPictureUrl`): what an `<img src>` fetches, with no token. */
@ApiTags('users')
@Public()
@Controller('avatars')
export class AvatarsController {
  constructor(private readonly users: UsersService) {}

  @Get(':userId')
  @ApiOperation({
    operationId: 'getAvatarByLink',
    security: [],
    summary: "A user's avatar by the signed link `displayPictureUrl` (no token needed)",
    description:
      'What `displayPictureUrl` names: it works without an Authorization header until `expires` ' +
      '(ATTACHMENT_LINK_TTL_SECONDS). 403 `LINK_INVALID` for a changed link, `LINK_EXPIRED` past ' +
      'its time (fetch the profile again); 404 once the user has another avatar or none. ETag, ' +
      '`Cache-Control: private` and If-None-Match (304) as on `GET /users/:userId/avatar`.',
  })
  @ApiOkResponse({
    description: 'The image bytes',
    content: Object.fromEntries(
      AVATAR_CONTENT_TYPES.map((type) => [type, { schema: { type: 'string', format: 'binary' } }]),
    ),
  })
  @ApiResponse({
    status: HttpStatus.NOT_MODIFIED,
    description: 'Unchanged since the If-None-Match ETag',
  })
  @ApiErrors(400, 403, 404)
  @ApiIdParam('userId')
  async avatar(
    @Param('userId', ParseIdPipe) userId: number,
    @Query() link: AvatarLinkQueryDto,
    @Headers('if-none-match') ifNoneMatch: string | undefined,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const avatar = await this.users.getAvatarByLink(userId, link);
    const cacheControl = `private, max-age=${this.users.avatarLinkSecondsLeft(link)}`;
    await replyWithAvatar(reply, avatar, ifNoneMatch, cacheControl);
  }
}
