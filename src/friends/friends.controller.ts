import { Controller, Delete, Get, HttpCode, HttpStatus, Param, Query } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { AuthUser } from '../common/auth/auth-user';
import { CurrentUser } from '../common/auth/current-user.decorator';
import { ApiErrors } from '../common/http/api-errors.decorator';
import { ApiIdParam } from '../common/http/api-schema.decorator';
import { PageOf } from '../common/pagination/page-of.dto';
import { PageQueryDto } from '../common/pagination/page-query.dto';
import { ParseIdPipe } from '../common/validation/parse-id.pipe';
import { FriendResponseDto } from './dto/friend-response.dto';
import { FriendsService } from './friends.service';

const FriendPageDto = PageOf(FriendResponseDto);

@ApiTags('friends')
@ApiBearerAuth()
@ApiErrors(401)
@Controller('friends')
export class FriendsController {
  constructor(private readonly friends: FriendsService) {}

  @Get()
  @ApiOperation({
    operationId: 'listFriends',
    summary: 'My friends, most recent friendship first',
    description: 'Each friend as a public profile with the time we became friends (`since`).',
  })
  @ApiOkResponse({ type: FriendPageDto })
  @ApiErrors(400)
  list(@CurrentUser() user: AuthUser, @Query() query: PageQueryDto) {
    return this.friends.list(user.id, query);
  }

  @Delete(':userId')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({
    operationId: 'unfriend',
    summary: 'End a friendship (for both of us)',
    description:
      'Our direct chat and its history stay readable, but neither of us can write there until we ' +
      'are friends again. 404 when we are not friends.',
  })
  @ApiNoContentResponse({ description: 'No longer friends' })
  @ApiErrors(400, 404)
  @ApiIdParam('userId')
  async unfriend(
    @CurrentUser() user: AuthUser,
    @Param('userId', ParseIdPipe) userId: number,
  ): Promise<void> {
    await this.friends.unfriend(user.id, userId);
  }
}
