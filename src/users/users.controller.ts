import {
  Body,
  Controller,
  Get,
  Headers,
  HttpStatus,
  Param,
  Patch,
  Put,
  Query,
  Req,
  Res,
} from '@nestjs/common';
import { RouteConfig } from '@nestjs/platform-fastify';
import {
  ApiBearerAuth,
  ApiBody,
  ApiConsumes,
  ApiOkResponse,
  ApiOperation,
  ApiResponse,
  ApiTags,
} from '@nestjs/swagger';
import { FastifyReply, FastifyRequest } from 'fastify';
import { CurrentUser } from '../common/auth/current-user.decorator';
import { AuthUser } from '../common/auth/auth-user';
import { ApiErrors } from '../common/http/api-errors.decorator';
import { ApiIdParam } from '../common/http/api-schema.decorator';
import { readUploadedFile } from '../common/http/multipart';
import { PageOf } from '../common/pagination/page-of.dto';
import { ParseIdPipe } from '../common/validation/parse-id.pipe';
import { AVATAR_SIDE, MAX_AVATAR_INPUT_SIDE, MAX_AVATAR_PIXELS } from './avatar-image';
import { AVATAR_CONTENT_TYPES, MAX_AVATAR_BYTES } from './avatar-image-type';
import { replyWithAvatar } from './avatar-reply';
import { SearchUsersQueryDto } from './dto/search-users-query.dto';
import { MeResponseDto } from './dto/me-response.dto';
import { UpdateProfileDto } from './dto/update-profile.dto';
import { UserResponseDto } from './dto/user-response.dto';
import { UsersService } from './users.service';

const UserPageDto = PageOf(UserResponseDto);

@ApiTags('users')
@ApiBearerAuth()
@ApiErrors(401)
@Controller('users')
export class UsersController {
  constructor(private readonly users: UsersService) {}

  @Get('me')
  @ApiOperation({
    operationId: 'getMe',
    summary: 'My profile, with my settings',
    description:
      'My public profile plus the settings only I see (`allowFriendRequests`). Public profiles of ' +
      'other users never show settings.',
  })
  @ApiOkResponse({ type: MeResponseDto })
  me(@CurrentUser() user: AuthUser): Promise<MeResponseDto> {
    return this.users.getMe(user.id);
  }

  @Patch('me')
  @ApiOperation({
    operationId: 'updateMe',
    summary: 'Change my display name or settings',
    description:
      'Send only the fields to change; an empty body changes nothing. Fields may be left out but ' +
      'not sent as null.',
  })
  @ApiOkResponse({ type: MeResponseDto })
  @ApiErrors(400)
  updateMe(@CurrentUser() user: AuthUser, @Body() body: UpdateProfileDto): Promise<MeResponseDto> {
    return this.users.updateProfile(user.id, body);
  }

  @Put('me/avatar')
  @RouteConfig({ multipart: true })
  @ApiOperation({
    operationId: 'uploadAvatar',
    summary: `Upload my avatar (PNG, JPEG or WebP; at most 1 MiB and ${MAX_AVATAR_INPUT_SIDE} × ${MAX_AVATAR_INPUT_SIDE} pixels)`,
    description: [
      'The type is recognised from the bytes, never the file name or part type. The image is decoded',
      'completely and stored encoded afresh in the same format: turned upright by its EXIF orientation,',
      `shrunk to fit ${AVATAR_SIDE} × ${AVATAR_SIDE} (never enlarged), the first frame of an animation,`,
      'and none of its metadata (EXIF with GPS, XMP, ICC profiles, text chunks). Refusals store nothing:',
      '400 `AVATAR_MISSING` (an empty file); 413 `PAYLOAD_TOO_LARGE` (over 1 MiB) or',
      `\`AVATAR_TOO_MANY_PIXELS\` (over ${MAX_AVATAR_PIXELS} pixels, judged from the header before decoding);`,
      '415 `AVATAR_UNSUPPORTED_TYPE` (not PNG, JPEG or WebP) or `AVATAR_INVALID_IMAGE` (truncated or',
      'corrupt: it does not decode completely).',
    ].join(' '),
  })
  @ApiConsumes('multipart/form-data')
  @ApiBody({
    schema: {
      type: 'object',
      required: ['file'],
      properties: { file: { type: 'string', format: 'binary' } },
    },
  })
  @ApiOkResponse({ type: UserResponseDto })
  @ApiErrors(400, 413, 415)
  async uploadAvatar(
    @CurrentUser() user: AuthUser,
    @Req() request: FastifyRequest,
  ): Promise<UserResponseDto> {
    const data = await readUploadedFile(request, 'file', MAX_AVATAR_BYTES);
    return this.users.setAvatar(user.id, data);
  }

  @Get(':userId/avatar')
  @ApiOperation({
    operationId: 'getAvatar',
    summary: "A user's avatar image; supports If-None-Match",
    description:
      'The image in the format it was uploaded in, with ETag and Last-Modified; a matching ' +
      'If-None-Match (weak tags and `*` too) gets 304. Each upload gives the profile a new ' +
      '`displayPictureUrl`. 404 while the user has no avatar.',
  })
  @ApiOkResponse({
    description: 'The image bytes, with ETag and Last-Modified',
    content: Object.fromEntries(
      AVATAR_CONTENT_TYPES.map((type) => [type, { schema: { type: 'string', format: 'binary' } }]),
    ),
  })
  @ApiResponse({
    status: HttpStatus.NOT_MODIFIED,
    description: 'Unchanged since the If-None-Match ETag',
  })
  @ApiErrors(400, 404)
  @ApiIdParam('userId')
  async avatar(
    @Param('userId', ParseIdPipe) userId: number,
    @Headers('if-none-match') ifNoneMatch: string | undefined,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const avatar = await this.users.getAvatar(userId);
    await replyWithAvatar(reply, avatar, ifNoneMatch, 'private, no-cache');
  }

  @Get()
  @ApiOperation({
    operationId: 'searchUsers',
    summary: 'Find users whose username starts with q, in username order',
    description:
      'Matches the prefix case-insensitively. `q` takes username characters only, so `_` and `%` ' +
      'match themselves.',
  })
  @ApiOkResponse({ type: UserPageDto })
  @ApiErrors(400)
  search(@Query() query: SearchUsersQueryDto) {
    return this.users.search(query.q, query.limit, query.cursor);
  }

  @Get(':userId')
  @ApiOperation({
    operationId: 'getUser',
    summary: 'A user’s public profile',
    description: 'Any user by id: username, display name, avatar URL and when they joined.',
  })
  @ApiOkResponse({ type: UserResponseDto })
  @ApiErrors(400, 404)
  @ApiIdParam('userId')
  get(@Param('userId', ParseIdPipe) userId: number): Promise<UserResponseDto> {
    return this.users.getOrThrow(userId);
  }
}
